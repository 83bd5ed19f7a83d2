/**
 * `tinynet export` end to end: load the source (checkpoint or tfjs model.json), export, verify
 * against TensorFlow.js, and only then write the file (temp + rename: never a half-written model).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { exportLayersModel, type DatasetInfo, type ExportOptions, type ExportResult, type InputMode } from './exporter.js';
import { verifyExport, type SampleImages, type VerifyReport } from './verify.js';
import { loadTfjsModel } from './load-tfjs.js';
import { buildVariant, formatVariant, variantPath, type QuantizeConfig, type VariantReport } from './precision/variant.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { writeFileAtomicSync as writeFileAtomic } from '../core/atomic.js';
import { cacheDirFor, loadSplit } from '../dataset/index.js';
import type { Config } from '../core/config/index.js';
import type { Provenance } from '../core/onnx-metadata.js';
import { TinynetError } from '../core/errors.js';
import { quantizeSection } from '../core/config/sections/export.js';
import { declaredResizeRule, RESIZE_RULES } from '../core/image/resize-rule.js';
import { createLogger } from '../core/log.js';

const log = createLogger('export');

export interface RunExportOptions {
  checkpoint?: string;
  tfjs?: string;
  /** A dataset meta.json for a --tfjs classifier: labels + mean/std, enabling the uint8 head. */
  meta?: string;
  out: string;
  /** Default: uint8-nhwc for checkpoints, float32-nhwc for plain tfjs models. */
  input?: InputMode;
  verify: boolean;
  tolerance: number;
  foldBatchNorm: boolean;
  /** Real images from the dataset cache to verify on, when a cache exists (default 64). */
  samples?: number;
  /** Random inputs to verify on (default 8). */
  randomCount?: number;
  /** fp16 / int8: also write a reduced-precision variant, verified on the test split (default fp32: none). */
  precision?: 'fp32' | 'fp16' | 'int8';
  /** export.quantize: calibration and the accuracy gate of the variant. */
  quantize?: QuantizeConfig;
  /** Where the variant goes (default: <out>.int8.onnx / <out>.fp16.onnx). */
  variantOut?: string;
}

export interface RunExportSummary {
  out: string;
  written: boolean;
  bytes: number;
  exportSeconds: number;
  input: InputMode;
  classifier: boolean;
  inputs: ExportResult['inputs'];
  outputs: ExportResult['outputs'];
  nodes: number;
  passes: Record<string, number>;
  verify: VerifyReport | null;
  /** The reduced-precision variant, when one was asked for and the float export was written. */
  variant: VariantReport | null;
}

interface Source {
  model: tf.LayersModel;
  dataset?: DatasetInfo;
  provenance: ExportOptions['provenance'];
  /** Where real images can be read from, if the dataset cache exists. */
  cacheDir?: string;
}

interface MetaLike {
  classes?: Array<{ id?: number | string; wnid?: string; name?: string }>;
  resize?: string;
  mean?: number[];
  std?: number[];
}

/** Labels, resize rule and normalization from the dataset cache's meta.json (mean/std are on 0–1 pixels). */
export function datasetInfoFromMeta(meta: MetaLike | null, numClasses: number): DatasetInfo {
  const resize = declaredResizeRule(meta?.resize);
  if (!resize) {
    throw new TinynetError(
      'export.bad_meta',
      `the dataset meta names resize rule "${meta?.resize}"; this tinynet knows ${RESIZE_RULES.join(', ')}`,
      'prepare the dataset again with this tinynet',
    );
  }
  const classes = meta?.classes?.length
    ? meta.classes.map((c, index) => ({
        index,
        id: c.wnid ?? String(c.id ?? index),
        ...(c.wnid ? { wnid: c.wnid } : {}),
        name: c.name ?? c.wnid ?? String(index),
      }))
    : Array.from({ length: numClasses }, (_, index) => ({ index, id: String(index), name: `class_${index}` }));
  const normalization = meta?.mean && meta?.std ? { mean: meta.mean, std: meta.std, pixel_scale: 1 / 255 } : undefined;
  return { classes, resize, normalization };
}

function readMeta(file: string): MetaLike {
  if (!existsSync(file))
    throw new TinynetError('export.not_found', `dataset meta not found: ${file}`, 'pass the meta.json of a dataset cache (data/cache/<name>/meta.json)');
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as MetaLike;
    if (!Array.isArray(meta.classes) || !Array.isArray(meta.mean) || !Array.isArray(meta.std)) throw new Error('it lacks classes, mean or std');
    return meta;
  } catch (err) {
    throw new TinynetError(
      'export.bad_meta',
      `${file} is not a dataset meta.json: ${(err as Error).message}`,
      'pass the meta.json written by `tinynet data prepare`',
    );
  }
}

function numericMetrics(m: unknown): Record<string, number> | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const out = Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
  return Object.keys(out).length ? (out as Record<string, number>) : undefined;
}

async function loadSource(opts: RunExportOptions): Promise<Source> {
  if (opts.checkpoint && opts.tfjs) throw new TinynetError('export.bad_args', 'give either --checkpoint or --tfjs, not both');
  if (opts.tfjs) {
    const model = await loadTfjsModel(opts.tfjs);
    const dataset = opts.meta ? datasetInfoFromMeta(readMeta(opts.meta), Number(model.outputs[0].shape.at(-1))) : undefined;
    return { model, dataset, provenance: { source: 'tfjs', source_file: opts.tfjs } };
  }
  if (opts.meta) throw new TinynetError('export.bad_args', '--meta goes with --tfjs (a checkpoint carries its own dataset meta)');
  if (!opts.checkpoint) throw new TinynetError('export.bad_args', 'nothing to export', 'pass --checkpoint artifacts/best.ckpt or --tfjs path/model.json');
  const ckpt = await loadCheckpoint(opts.checkpoint);
  const numClasses = Number(ckpt.model.outputs[0].shape.at(-1));
  const dataset = datasetInfoFromMeta(ckpt.meta as MetaLike | null, numClasses);
  const provenance: Omit<Provenance, 'tinynet_version' | 'exported_at'> = {
    source: 'checkpoint',
    source_file: opts.checkpoint,
    config_hash: ckpt.configHash,
    metrics: { ...numericMetrics(ckpt.metrics), ...(ckpt.best ? { [`best/${ckpt.best.monitor}`]: ckpt.best.value } : {}) },
    epoch: ckpt.epoch,
    model: { ...(ckpt.config as Config).model },
  };
  let cacheDir: string | undefined;
  try {
    const dir = cacheDirFor(ckpt.config as Config);
    if (existsSync(path.join(dir, 'meta.json'))) cacheDir = dir;
  } catch {
    /* no cache: random inputs only */
  }
  return { model: ckpt.model, dataset, provenance, cacheDir };
}

/** The first `n` validation images of the cache (falls back to test, then train). */
function readSamples(cacheDir: string, n: number): SampleImages | undefined {
  for (const split of ['val', 'test', 'train'] as const) {
    try {
      const data = loadSplit(cacheDir, split);
      const take = Math.min(n, data.n);
      if (take === 0) continue;
      const per = data.images.length / data.n;
      return { images: data.images.subarray(0, take * per), n: take };
    } catch {
      /* try the next split */
    }
  }
  return undefined;
}

export async function runExport(opts: RunExportOptions): Promise<RunExportSummary> {
  const source = await loadSource(opts);
  const exportOptions: ExportOptions = {
    input: opts.input ?? (source.dataset?.normalization ? 'uint8-nhwc' : 'float32-nhwc'),
    foldBatchNorm: opts.foldBatchNorm,
    dataset: source.dataset,
    provenance: source.provenance,
  };
  const t0 = performance.now();
  const result = exportLayersModel(source.model, exportOptions);
  const exportSeconds = (performance.now() - t0) / 1000;
  log.info(
    `exported ${result.nodeCount} nodes (${(result.bytes.length / 1e6).toFixed(2)} MB) in ${exportSeconds.toFixed(2)} s; passes ` +
      `${JSON.stringify(result.passes)}`,
  );

  let report: VerifyReport | null = null;
  if (opts.verify) {
    const samples = source.cacheDir && (opts.samples ?? 64) > 0 ? readSamples(source.cacheDir, opts.samples ?? 64) : undefined;
    log.info(
      `verifying against TensorFlow.js (${tf.getBackend()}) on ${opts.randomCount ?? 8} random inputs${samples ? ` and ${samples.n} dataset images` : ''}`,
    );
    report = await verifyExport(source.model, result, exportOptions, { tolerance: opts.tolerance, samples, randomCount: opts.randomCount });
  }
  const written = !report || report.ok;
  if (written) writeFileAtomic(opts.out, result.bytes);
  source.model.dispose();
  let variant: VariantReport | null = null;
  if (written && opts.precision && opts.precision !== 'fp32') {
    if (!source.cacheDir) {
      throw new TinynetError(
        'export.no_cache',
        `--precision ${opts.precision} calibrates and verifies on the dataset cache, and none was found for this model`,
        'export from a checkpoint whose dataset cache exists (run `tinynet data prepare` with its config)',
      );
    }
    variant = await buildVariant(result, {
      precision: opts.precision,
      quantize: opts.quantize ?? quantizeSection.parse({}),
      cacheDir: source.cacheDir,
      out: opts.variantOut ?? variantPath(opts.out, opts.precision),
    });
  }
  return {
    out: opts.out,
    written,
    bytes: result.bytes.length,
    exportSeconds,
    input: result.input,
    classifier: result.classifier,
    inputs: result.inputs,
    outputs: result.outputs,
    nodes: result.nodeCount,
    passes: result.passes,
    verify: report,
    variant,
  };
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toExponential(2);
}

export function formatSummary(s: RunExportSummary): string {
  const lines: string[] = [];
  const io = (v: { name: string; dtype: string; dims: Array<number | string> }) => `${v.name} ${v.dtype}[${v.dims.join(',')}]`;
  lines.push(`${s.written ? 'wrote' : 'NOT written'} ${s.out}  (${(s.bytes / 1e6).toFixed(2)} MB, ${s.nodes} nodes, export ${s.exportSeconds.toFixed(2)} s)`);
  lines.push(`inputs   ${s.inputs.map(io).join('  ')}`);
  lines.push(`outputs  ${s.outputs.map(io).join('  ')}`);
  lines.push(
    `passes   ${Object.entries(s.passes)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  const r = s.verify;
  if (!r) lines.push('verify   skipped');
  else {
    const n = r.batches.reduce((a, b) => a + b.n, 0);
    const dataset = r.batches.filter((b) => b.kind === 'dataset').reduce((a, b) => a + b.n, 0);
    lines.push(
      `verify   ${r.ok ? 'OK' : 'FAILED'} on ${n} inputs (${dataset} dataset images): max |Δlogits| ${fmt(r.maxAbsLogits)}, max |Δprobabilities| ` +
        `${fmt(r.maxAbsProbabilities)} (tolerance ${r.tolerance}), top-1 agreement ` +
        `${r.top1Agreement === null ? 'n/a' : `${(r.top1Agreement * 100).toFixed(1)}%`}`,
    );
    if (r.maxAbsProbabilities === null) {
      const rel = Math.max(0, ...r.batches.flatMap((b) => b.maxRelOutputs));
      const abs = Math.max(0, ...r.batches.flatMap((b) => b.maxAbsOutputs));
      lines.push(`         outputs: max |Δ| ${abs.toExponential(2)}, relative to max(1, |tfjs|) ${rel.toExponential(2)}`);
    }
    if (!r.ok) {
      lines.push(
        r.firstMismatch
          ? `         first differing layer: "${r.firstMismatch.layer}" (${r.firstMismatch.className}), max |Δ| ` +
              `${r.firstMismatch.maxAbsDiff.toExponential(2)} (relative ${r.firstMismatch.relDiff.toExponential(2)})`
          : '         no single layer differs with BatchNorm folding off: the difference comes from folding or accumulates across layers (try --no-fold-bn)',
      );
    }
  }
  if (s.variant) lines.push(...formatVariant(s.variant));
  return lines.join('\n');
}
