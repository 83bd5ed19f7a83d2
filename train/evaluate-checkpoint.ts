/**
 * `tinynet evaluate --checkpoint`: a training checkpoint on a prepared dataset split, through
 * TensorFlow.js on the training backend (train.backend), batched, with a progress bar. Images get
 * the dataset normalization the trainer uses (dataset/augment.ts normalizeBatch with the mean/std
 * the checkpoint was trained with; no augmentation), the model runs in inference mode, and the
 * report is the shared one (core/eval-report.ts), so it compares field by field with
 * `evaluate --model` on the ONNX file exported from the same checkpoint. Files land next to the
 * checkpoint (`best.ckpt.eval-test.json` ...), apart from the ONNX report (`model.eval-test.json`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config/index.js';
import { TinynetError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createProgress } from '../core/progress.js';
import { EvalAccumulator, batchRanges, checkModelFitsDataset, writeEvaluationReport, type EvalClass, type EvaluationReport } from '../core/eval-report.js';
import { loadMeta, loadSplit, type DatasetMeta, type SplitName } from '../dataset/cache.js';
import { cacheDirFor } from '../dataset/prepare.js';
import { normalizeBatch } from '../dataset/augment.js';
import { loadCheckpoint, readCheckpoint } from './checkpoint.js';
import { selectBackend } from './backend/select.js';
import { createEngine } from './loop/create-engine.js';

const log = createLogger('evaluate');

export interface EvaluateCheckpointOptions {
  config: Config;
  checkpointPath: string;
  split: SplitName;
  /** Images per model call; default train.batch_size. */
  batchSize?: number;
  /** Dataset cache dir; default: the one `data prepare` made for this config. */
  cacheDir?: string;
  /** Skip the PNG heatmap (tests). */
  heatmap?: boolean;
}

interface CheckpointMeta {
  classes?: Array<{ wnid?: string; name?: string }>;
  mean?: number[];
  std?: number[];
  /** The resize rule of the dataset it was trained on; absent in checkpoints from before it was recorded. */
  resize?: string;
}

export async function evaluateCheckpoint(opts: EvaluateCheckpointOptions): Promise<EvaluationReport> {
  // Verify the file (exists, checksum, kind) before a backend starts or the dataset is read.
  readCheckpoint(opts.checkpointPath);
  const dir = opts.cacheDir ?? cacheDirFor(opts.config);
  const meta = loadMeta(dir);
  const data = loadSplit(dir, opts.split);
  if (data.n === 0)
    throw new TinynetError('evaluate.empty_split', `the ${opts.split} split in ${dir} has no images`, 'prepare the dataset with a non-zero test_ratio');

  // Select before any tfjs work: importing the backend module registers wasm as the preferred backend.
  const backend = await selectBackend(opts.config.train.backend, { threads: opts.config.train.threads });
  const ckpt = await loadCheckpoint(opts.checkpointPath);
  const model = ckpt.model;
  try {
    const [, h, w] = model.inputs[0].shape;
    const k = Number(model.outputs[0].shape.at(-1));
    const trained = (ckpt.meta ?? {}) as CheckpointMeta;
    checkModelFitsDataset({ height: Number(h), width: Number(w), numClasses: k, resize: trained.resize }, meta, opts.checkpointPath, dir);
    const { mean, std } = normalization(trained, meta, opts.checkpointPath);
    const engine = await createEngine(model, opts.config.train, backend);
    log.info(`${opts.checkpointPath} (epoch ${ckpt.epoch}) on ${engine.description} · ${opts.split} split: ${data.n} images, ${k} classes`);

    const batchSize = opts.batchSize ?? opts.config.train.batch_size;
    const acc = new EvalAccumulator(k);
    const sampleLen = data.height * data.width * 3;
    const progress = createProgress({ label: `evaluate ${opts.split}`, total: data.n, unit: 'img' });
    const start = performance.now();
    try {
      for (const [from, to] of batchRanges(data.n, batchSize)) {
        const x = tf.tensor4d(normalizeBatch(data.images.subarray(from * sampleLen, to * sampleLen), mean, std), [to - from, data.height, data.width, 3]);
        const scores = await engine.predictLogits(x);
        x.dispose();
        acc.add({ logits: scores }, data.labels.subarray(from, to));
        progress.tick(to - from, { acc: acc.accuracy });
      }
    } finally {
      progress.stop();
      engine.dispose();
    }
    const seconds = (performance.now() - start) / 1000;
    return await writeEvaluationReport({
      source: { kind: 'checkpoint', file: opts.checkpointPath, engine: engine.description },
      dataset: { split: opts.split, cache_dir: dir, fingerprint: meta.source?.fingerprint ?? null },
      classes: classesOf(trained, meta, k),
      accumulator: acc,
      seconds,
      referenceMetrics: (ckpt.metrics as unknown as Record<string, unknown> | null) ?? null,
      referenceFrom: `checkpoint, epoch ${ckpt.epoch}`,
      heatmap: opts.heatmap,
    });
  } finally {
    model.dispose();
  }
}

/**
 * The mean/std the model was trained with: the checkpoint's copy of the dataset meta (the ONNX
 * export bakes the same numbers into its graph), else the cache's. A mismatch means the cache was
 * prepared from other data than the model saw; evaluation still uses the training numbers.
 */
function normalization(trained: CheckpointMeta, meta: DatasetMeta, file: string): { mean: number[]; std: number[] } {
  if (trained.mean?.length === 3 && trained.std?.length === 3) {
    const differs = [...trained.mean, ...trained.std].some((v, i) => Math.abs(v - [...meta.mean, ...meta.std][i]) > 1e-6);
    if (differs)
      log.warn(
        `${file} was trained with mean/std ${fmt(trained.mean)} / ${fmt(trained.std)}, the dataset cache has ${fmt(meta.mean)} / ${fmt(meta.std)}: ` +
          `using the training values`,
      );
    return { mean: trained.mean, std: trained.std };
  }
  return { mean: meta.mean, std: meta.std };
}

const fmt = (v: number[]) => `[${v.map((x) => x.toFixed(4)).join(', ')}]`;

/** Class names as the exporter writes them into the ONNX labels (checkpoint meta first), so both reports name classes alike. */
function classesOf(trained: CheckpointMeta, meta: DatasetMeta, k: number): EvalClass[] {
  return Array.from({ length: k }, (_, i) => {
    const c = trained.classes?.[i];
    const wnid = c?.wnid ?? meta.classes[i]?.wnid ?? null;
    return { index: i, wnid, name: c ? (c.name ?? c.wnid ?? String(i)) : (meta.classes[i]?.name ?? `class_${i}`) };
  });
}
