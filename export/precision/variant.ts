/**
 * A reduced-precision variant of an exported classifier (int8 QDQ or float16), verified before it
 * is written: the float model and the variant are evaluated on the test split, and a variant that
 * loses more than `max_accuracy_drop` points of accuracy is refused (not written).
 */
import type { ExportResult } from '../exporter.js';
import type { IrGraph } from '../../onnx/ir.js';
import { serializeModel } from '../../onnx/serialize.js';
import { loadSplit, type SplitData } from '../../dataset/index.js';
import { METADATA_KEYS, type Precision, type PrecisionInfo } from '../../core/onnx-metadata.js';
import { writeFileAtomicSync } from '../../core/atomic.js';
import { TinynetError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { Rng } from '../../core/rng.js';
import { TINYNET_VERSION } from '../../core/paths.js';
import type { ExportConfig } from '../../core/config/index.js';
import { quantizeInt8 } from './int8.js';
import { convertToFloat16 } from './float16.js';
import { compareOnSplit, type SplitComparison } from './compare.js';
import type { CalibrationImages } from '../quantize/collect.js';

const log = createLogger('export');

export type QuantizeConfig = ExportConfig['quantize'];

export interface VariantOptions {
  precision: Exclude<Precision, 'fp32'>;
  quantize: QuantizeConfig;
  /** Dataset cache holding the train (calibration) and test (verification) splits. */
  cacheDir: string;
  out: string;
  seed?: number;
}

export interface VariantReport {
  precision: Exclude<Precision, 'fp32'>;
  out: string;
  written: boolean;
  bytes: number;
  floatBytes: number;
  comparison: SplitComparison;
  /** Accuracy points lost against the float model (negative: gained). */
  drop: number;
  maxDrop: number;
  info: PrecisionInfo;
  seconds: number;
}

function split(cacheDir: string, name: 'train' | 'test'): SplitData {
  try {
    return loadSplit(cacheDir, name);
  } catch (err) {
    throw new TinynetError(
      'export.no_split',
      `a reduced-precision export needs the ${name} split of ${cacheDir}: ${(err as Error).message}`,
      'run `tinynet data prepare` for this config first',
    );
  }
}

/** `count` train images, drawn without replacement by a seeded shuffle (the split may be sorted by class). */
export function calibrationImages(train: SplitData, count: number, seed: number): CalibrationImages {
  if (train.n === 0) {
    throw new TinynetError(
      'export.calibration_empty',
      'the train split has no images to calibrate int8 scales on',
      'prepare the dataset again, or export with --quantize none',
    );
  }
  if (train.n < count)
    log.warn(`calibration: the train split has ${train.n} images, fewer than export.quantize.calibration_images = ${count}; calibrating on all ${train.n}`);
  const n = Math.min(count, train.n);
  const order = new Rng(seed).shuffle(Int32Array.from({ length: train.n }, (_, i) => i)) as Int32Array;
  const per = train.height * train.width * 3;
  const images = new Uint8Array(n * per);
  for (let i = 0; i < n; i++) images.set(train.images.subarray(order[i] * per, (order[i] + 1) * per), i * per);
  return { images, n, height: train.height, width: train.width, channels: 3 };
}

function formatOps(ops: Record<string, number>): string {
  return Object.entries(ops)
    .map(([op, n]) => `${op}×${n}`)
    .join(' ');
}

export async function buildVariant(result: ExportResult, opts: VariantOptions): Promise<VariantReport> {
  if (!result.classifier || result.input !== 'uint8-nhwc') {
    throw new TinynetError(
      'export.precision_input',
      `--precision ${opts.precision} is verified on the test split and needs a classifier with the uint8-nhwc input; ` +
        `this export is ${result.classifier ? result.input : 'not a classifier'}`,
      'export from a checkpoint with --input uint8-nhwc',
    );
  }
  const t0 = performance.now();
  const test = split(opts.cacheDir, 'test');
  if (test.n === 0)
    throw new TinynetError(
      'export.no_test_images',
      `the test split of ${opts.cacheDir} is empty: a reduced-precision model is verified on it`,
      'prepare the dataset with dataset.test_ratio > 0',
    );
  const q = opts.quantize;
  let graph: IrGraph;
  let info: PrecisionInfo;
  if (opts.precision === 'int8') {
    const images = calibrationImages(split(opts.cacheDir, 'train'), q.calibration_images, opts.seed ?? 0);
    log.info(`int8: calibrating ${q.method} ranges on ${images.n} train images`);
    const r = await quantizeInt8(result.graph, images, { method: q.method, activations: q.activations, percentile: q.percentile, bins: q.bins });
    if (Object.keys(r.leftInFloat).length) log.warn(`int8: left in float (the quantizer has no int8 form for them): ${formatOps(r.leftInFloat)}`);
    graph = r.graph;
    info = {
      precision: 'int8',
      weights: 'int8 per-channel symmetric',
      activations: q.activations,
      calibration: {
        method: q.method,
        images: images.n,
        split: 'train',
        ...(q.method === 'percentile' ? { percentile: q.percentile } : {}),
        ...(q.method !== 'minmax' ? { bins: q.bins } : {}),
      },
      ...(Object.keys(r.leftInFloat).length ? { left_in_float: r.leftInFloat } : {}),
    };
  } else {
    const r = convertToFloat16(result.graph);
    if (r.clampedWeights) log.warn(`fp16: ${r.clampedWeights} weights beyond ±65504 clamped to the float16 range`);
    if (Object.keys(r.keptFloat32).length) log.warn(`fp16: kept in float32 behind Casts (no float16 kernel): ${formatOps(r.keptFloat32)}`);
    graph = r.graph;
    info = { precision: 'fp16', weights: 'float16', ...(Object.keys(r.keptFloat32).length ? { left_in_float: r.keptFloat32 } : {}) };
  }
  const serialize = (precision: PrecisionInfo) => serializeVariant(result, graph, precision);

  const numClasses = Number(result.outputs[0].dims.at(-1));
  log.info(`${opts.precision}: evaluating the float and the ${opts.precision} model on ${test.n} test images`);
  const comparison = await compareOnSplit(result.bytes, serialize(info), test, 'test', numClasses);
  info = {
    ...info,
    accuracy: { split: 'test', images: comparison.images, float: comparison.float, model: comparison.model, top1_agreement: comparison.top1Agreement },
  };
  const bytes = serialize(info);
  const drop = (comparison.float - comparison.model) * 100;
  const written = drop <= q.max_accuracy_drop;
  if (written) writeFileAtomicSync(opts.out, bytes);
  else
    log.error(
      `${opts.precision}: test accuracy ${(comparison.model * 100).toFixed(2)} % vs float ${(comparison.float * 100).toFixed(2)} %: ` +
        `${drop.toFixed(2)} points lost, more than export.quantize.max_accuracy_drop = ${q.max_accuracy_drop}; ` +
        `${opts.out} not written, the float model is kept`,
    );
  return {
    precision: opts.precision,
    out: opts.out,
    written,
    bytes: bytes.length,
    floatBytes: result.bytes.length,
    comparison,
    drop,
    maxDrop: q.max_accuracy_drop,
    info,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A variant's graph with the float export's metadata plus its precision record. */
export function serializeVariant(result: ExportResult, graph: IrGraph, info: PrecisionInfo): Uint8Array {
  return serializeModel(graph, {
    producerName: 'tinynet',
    producerVersion: TINYNET_VERSION,
    docString: result.docString,
    metadata: { ...result.metadata, [METADATA_KEYS.precision]: JSON.stringify(info) },
  });
}

/** `model.onnx` → `model.int8.onnx`. */
export function variantPath(floatOut: string, precision: Exclude<Precision, 'fp32'>): string {
  return floatOut.replace(/(\.onnx)?$/i, `.${precision}.onnx`);
}

export function formatVariant(v: VariantReport): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const c = v.comparison;
  const cal = v.info.calibration;
  return [
    `${v.written ? 'wrote' : 'NOT written'} ${v.out}  (${v.precision}, ${(v.bytes / 1e6).toFixed(2)} MB = ` +
      `${((v.bytes / v.floatBytes) * 100).toFixed(1)} % of float` +
      `${cal ? `, ${cal.method} calibration on ${cal.images} train images` : ''}, ${v.seconds.toFixed(1)} s)`,
    `accuracy ${c.split} (${c.images} images): float ${pct(c.float)}, ${v.precision} ${pct(c.model)}, ` +
      `drop ${v.drop.toFixed(2)} points (max ${v.maxDrop}), top-1 agreement ${pct(c.top1Agreement)}`,
    ...(v.info.left_in_float
      ? [
          `         left in float: ${Object.entries(v.info.left_in_float)
            .map(([op, n]) => `${op}×${n}`)
            .join(' ')}`,
        ]
      : []),
    ...(v.written ? [] : [`         refused: it loses more than export.quantize.max_accuracy_drop; the float model is kept`]),
  ];
}
