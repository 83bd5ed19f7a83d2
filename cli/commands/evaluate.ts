import type { Command } from 'commander';
import path from 'node:path';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { evaluateOnnx } from '../../serve/evaluate/evaluate.js';
import { resolveUserPath } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import { comparisonLine } from '../../core/eval-report.js';

interface EvaluateCliOptions extends ConfigOptions {
  model?: string;
  split: string;
  batchSize?: string;
  json?: boolean;
}

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('evaluate')
      .description('evaluate the exported ONNX model on the prepared test (or val) split: top-1/top-5/macro-F1, per-class, confusion')
      .option('-m, --model <file>', 'ONNX model (default: <paths.artifacts>/model.onnx)')
      .option('--split <split>', 'test | val', 'test')
      .option('--batch-size <n>', 'images per onnxruntime run (default: serve.max_batch)')
      .option('--json', 'print the report as JSON on stdout'),
  ).action(async (opts: EvaluateCliOptions) => {
    if (opts.split !== 'test' && opts.split !== 'val') {
      throw new TinynetError('evaluate.bad_split', `--split must be test or val, got "${opts.split}"`);
    }
    const batchSize = opts.batchSize === undefined ? undefined : Number(opts.batchSize);
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
      throw new TinynetError('evaluate.bad_batch_size', `--batch-size must be a positive whole number, got "${opts.batchSize}"`);
    }
    const { config } = configFromOptions(opts);
    const modelPath = opts.model ? resolveUserPath(opts.model) : path.join(config.paths.artifacts, 'model.onnx');
    const report = await evaluateOnnx({ config, modelPath, split: opts.split, batchSize });
    printResult(report, opts.json ?? false, () => `${comparisonLine(report)}\nreport: ${report.files.json}`);
  });
}
