import type { Command } from 'commander';
import { printResult } from '../common.js';
import { inspectFile, formatInspection } from '../../export/inspect.js';
import { resolveUserPath } from '../../core/paths.js';

export function register(program: Command): void {
  program
    .command('inspect <model.onnx>')
    .description("print an ONNX model's inputs, outputs, op histogram, parameter count and metadata")
    .option('--json', 'print JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const report = inspectFile(resolveUserPath(file));
      printResult(report, opts.json ?? false, () => formatInspection(report));
    });
}
