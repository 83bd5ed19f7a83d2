import type { Command } from 'commander';
import path from 'node:path';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { evaluateOnnx } from '../../serve/evaluate/evaluate.js';
import { resolveUserPath } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import { comparisonLine, type EvaluationReport } from '../../core/eval-report.js';

interface EvaluateCliOptions extends ConfigOptions {
  model?: string;
  checkpoint?: string;
  split: string;
  batchSize?: string;
  json?: boolean;
}

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('evaluate')
      .description(
        'evaluate on the prepared test (or val) split: top-1/top-5/macro-F1, per-class, confusion — the exported ONNX model (onnxruntime) or a ' +
          'checkpoint (TensorFlow.js)',
      )
      .option('-m, --model <file>', 'ONNX model (default: <paths.artifacts>/model.onnx)')
      .option('--checkpoint <file>', 'evaluate a training checkpoint through TensorFlow.js instead (train.backend); not with --model')
      .option('--split <split>', 'test | val', 'test')
      .option('--batch-size <n>', 'images per model run (default: serve.max_batch for ONNX, train.batch_size for a checkpoint)')
      .option('--json', 'print the report as JSON on stdout'),
  ).action(async (opts: EvaluateCliOptions) => {
    if (opts.model !== undefined && opts.checkpoint !== undefined) {
      throw new TinynetError(
        'evaluate.bad_args',
        'give either --model or --checkpoint, not both',
        '--model evaluates the exported ONNX file with onnxruntime; --checkpoint evaluates a .ckpt with TensorFlow.js',
      );
    }
    if (opts.split !== 'test' && opts.split !== 'val') {
      throw new TinynetError('evaluate.bad_split', `--split must be test or val, got "${opts.split}"`);
    }
    const batchSize = opts.batchSize === undefined ? undefined : Number(opts.batchSize);
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
      throw new TinynetError('evaluate.bad_batch_size', `--batch-size must be a positive whole number, got "${opts.batchSize}"`);
    }
    const { config } = configFromOptions(opts);
    let report: EvaluationReport;
    if (opts.checkpoint !== undefined) {
      // Loaded only here: `--model` runs never load TensorFlow.js (tests/serve/imports.test.ts).
      const { evaluateCheckpoint } = await import('../../train/evaluate-checkpoint.js');
      report = await evaluateCheckpoint({ config, checkpointPath: resolveUserPath(opts.checkpoint), split: opts.split, batchSize });
    } else {
      const modelPath = opts.model ? resolveUserPath(opts.model) : path.join(config.paths.artifacts, 'model.onnx');
      report = await evaluateOnnx({ config, modelPath, split: opts.split, batchSize });
    }
    printResult(report, opts.json ?? false, () => `${comparisonLine(report)}\nreport: ${report.files.json}`);
  });
}
