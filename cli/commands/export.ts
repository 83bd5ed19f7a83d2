import type { Command } from 'commander';
import path from 'node:path';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { storedConfig } from '../../core/config/index.js';
import { readCheckpoint } from '../../train/checkpoint.js';
import { runExport, formatSummary } from '../../export/run.js';
import { INPUT_MODES, type InputMode } from '../../export/exporter.js';
import { selectBackend } from '../../train/backend/select.js';
import { resolveUserPath } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import type { ExportConfig } from '../../core/config/index.js';
import { CALIBRATION_METHODS } from '../../export/quantize/calibrators/index.js';
import { writeTritonRepository } from '../../export/triton.js';

interface ExportCliOptions extends ConfigOptions {
  checkpoint?: string;
  tfjs?: string;
  meta?: string;
  out?: string;
  input?: string;
  verify: boolean;
  tolerance?: string;
  foldBn: boolean;
  samples?: string;
  triton?: string;
  json?: boolean;
  precision?: string;
  quantize?: string;
  calibration?: string;
  calibrationImages?: string;
  maxAccuracyDrop?: string;
}

const PRECISIONS = ['fp32', 'fp16'] as const;
const QUANTIZE = ['none', 'int8'] as const;

function oneOf<T extends string>(flag: string, v: string | undefined, accepted: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(accepted as readonly string[]).includes(v)) throw new TinynetError('cli.bad_option', `${flag} must be one of ${accepted.join(', ')}, got "${v}"`);
  return v as T;
}

/** fp32 | fp16 | int8 from --precision / --quantize over export.precision / export.quantize.type; fp16 and int8 together are refused. */
function resolvePrecision(opts: ExportCliOptions, exportConfig: ExportConfig): 'fp32' | 'fp16' | 'int8' {
  const precision = oneOf('--precision', opts.precision, PRECISIONS) ?? exportConfig.precision;
  const quantize = oneOf('--quantize', opts.quantize, QUANTIZE) ?? exportConfig.quantize.type;
  if (precision === 'fp16' && quantize === 'int8') {
    throw new TinynetError(
      'cli.bad_option',
      'fp16 and int8 were both asked for (--precision / export.precision and --quantize / export.quantize.type)',
      'export one variant at a time: --precision fp16 or --quantize int8',
    );
  }
  return quantize === 'int8' ? 'int8' : precision;
}

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new TinynetError('cli.bad_option', `${flag} must be a non-negative number, got "${v}"`);
  return n;
}

function positiveInteger(flag: string, v: string | undefined): number | undefined {
  const n = positiveNumber(flag, v);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new TinynetError('cli.bad_option', `${flag} must be a positive integer, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('export')
      .description(
        'export a checkpoint or a TensorFlow.js LayersModel to ONNX, verified against TensorFlow.js; ' +
          '--quantize int8 / --precision fp16 add a smaller variant, verified on the test split',
      )
      .option('--checkpoint <file>', 'tinynet checkpoint (default: <paths.artifacts>/best.ckpt); without --config, its own config is used')
      .option('--tfjs <model.json>', 'a TensorFlow.js LayersModel (model.json + weight shards)')
      .option('--meta <meta.json>', 'with --tfjs: dataset meta (labels, mean/std) to export it as a classifier with the uint8 input')
      .option('-o, --out <file>', 'ONNX file to write (default: <paths.artifacts>/model.onnx)')
      .option('--input <mode>', `graph input: ${INPUT_MODES.join(' | ')} (default: export.input for checkpoints, float32-nhwc for --tfjs)`)
      .option('--no-verify', 'skip the TensorFlow.js vs onnxruntime parity check')
      .option('--tolerance <x>', 'max abs difference allowed on probabilities (default: export.tolerance)')
      .option('--no-fold-bn', 'keep BatchNormalization nodes instead of folding them into convolutions')
      .option('--samples <n>', 'dataset images to verify on when the cache exists', '64')
      .option('--precision <p>', `also write a float16 variant <out>.fp16.onnx: ${PRECISIONS.join(' | ')} (default: export.precision)`)
      .option('--quantize <type>', `also write an int8 (QDQ) variant <out>.int8.onnx: ${QUANTIZE.join(' | ')} (default: export.quantize.type)`)
      .option('--calibration <method>', `int8 calibration: ${CALIBRATION_METHODS.join(' | ')} (default: export.quantize.method)`)
      .option('--calibration-images <n>', 'train images to calibrate on (default: export.quantize.calibration_images)')
      .option('--max-accuracy-drop <points>', 'test accuracy points the variant may lose before it is refused (default: export.quantize.max_accuracy_drop)')
      .option('--triton <dir>', 'also write a Triton model repository there (<name>/config.pbtxt, <name>/1/model.onnx, <name>/labels.txt)')
      .option('--json', 'print the summary as JSON'),
  ).action(async (opts: ExportCliOptions, cmd: Command) => {
    // A checkpoint holds the resolved config it was trained with: without --config, export follows it.
    const fromCheckpoint = opts.checkpoint !== undefined && !opts.tfjs && cmd.getOptionValueSource('config') === 'default';
    const { config } = fromCheckpoint ? storedConfig(readCheckpoint(resolveUserPath(opts.checkpoint!)).config, opts.set) : configFromOptions(opts);
    const input = (opts.input ?? (opts.tfjs && !opts.meta ? undefined : config.export.input)) as InputMode | undefined;
    if (input !== undefined && !INPUT_MODES.includes(input)) {
      throw new TinynetError('cli.bad_option', `--input must be one of ${INPUT_MODES.join(', ')}, got "${input}"`);
    }
    const verify = opts.verify && config.export.verify;
    if (verify) await selectBackend(config.train.backend, { threads: config.train.threads });
    const summary = await runExport({
      checkpoint: opts.tfjs ? undefined : resolveUserPath(opts.checkpoint ?? path.join(config.paths.artifacts, 'best.ckpt')),
      tfjs: opts.tfjs ? resolveUserPath(opts.tfjs) : undefined,
      meta: opts.meta ? resolveUserPath(opts.meta) : undefined,
      out: resolveUserPath(opts.out ?? path.join(config.paths.artifacts, 'model.onnx')),
      input,
      verify,
      tolerance: positiveNumber('--tolerance', opts.tolerance) ?? config.export.tolerance,
      foldBatchNorm: opts.foldBn && config.export.fold_batchnorm,
      samples: positiveNumber('--samples', opts.samples),
      precision: resolvePrecision(opts, config.export),
      quantize: {
        ...config.export.quantize,
        method: oneOf('--calibration', opts.calibration, CALIBRATION_METHODS) ?? config.export.quantize.method,
        calibration_images: positiveInteger('--calibration-images', opts.calibrationImages) ?? config.export.quantize.calibration_images,
        max_accuracy_drop: positiveNumber('--max-accuracy-drop', opts.maxAccuracyDrop) ?? config.export.quantize.max_accuracy_drop,
      },
    });
    const triton =
      summary.written && opts.triton
        ? writeTritonRepository(summary.out, resolveUserPath(opts.triton), { maxBatchSize: config.serve.max_batch, maxQueueDelayMs: config.serve.max_delay_ms })
        : null;
    printResult(
      { ...summary, triton },
      opts.json ?? false,
      () => formatSummary(summary) + (triton ? `\nTriton model repository: ${triton.dir} (config.pbtxt, 1/model.onnx, labels.txt)` : ''),
    );
    if (!summary.written || (summary.variant && !summary.variant.written)) process.exitCode = 1;
  });
}
