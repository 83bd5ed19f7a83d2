import * as tf from '@tensorflow/tfjs';
import { readFileSync, existsSync } from 'node:fs';
import type { Config } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { TINYNET_VERSION } from '../../core/paths.js';
import { encodeCheckpoint, decodeCheckpoint, type RawTensor } from './format.js';
import { writeFileAtomicSync as writeFileAtomic } from '../../core/atomic.js';
import '../model/spatial-dropout.js'; // registers SpatialDropout2D before any topology is deserialized
import type { BestMetric, DatasetMetaLike, EpochMetrics, EpochProgress, OptimizerState, RngSnapshot } from '../types.js';

/** Everything in a checkpoint besides the model itself. */
export interface CheckpointContents {
  config: Config;
  configHash: string;
  /** The dataset cache's meta.json (classes, input shape, mean/std) — what export and serve need. */
  meta: DatasetMetaLike | null;
  /** Epochs fully completed. */
  epoch: number;
  /** Optimizer steps applied in total. */
  step: number;
  /** Batches already trained in epoch `epoch` (non-zero only for a save mid-epoch, e.g. on SIGINT). */
  batchInEpoch: number;
  /** The unfinished epoch's running sums when batchInEpoch > 0, else null. */
  epochProgress?: EpochProgress | null;
  /** The last completed epoch's metrics (null before the first). */
  metrics: EpochMetrics | null;
  history: EpochMetrics[];
  best: BestMetric | null;
  rng: RngSnapshot;
  optimizer: OptimizerState | null;
  /** Plug-in state (early stopping counters ...), by callback name. */
  callbacks: Record<string, unknown>;
  /** Backend the run trained on: resumes reproduce exactly only on the same one. */
  backend: string;
  /** The EMA of the weights (train.ema), by model weight name in the model's layout; null without one. */
  ema?: RawTensor[] | null;
  /** Which weights the model in this file holds: the trained ones, or the EMA (best.ckpt when the EMA validated better). */
  weightsFrom?: 'raw' | 'ema';
}

export interface LoadedCheckpoint extends CheckpointContents {
  model: tf.LayersModel;
  file: string;
  createdAt: string;
  tinynetVersion: string;
}

function readTensor(v: tf.LayerVariable, name: string): RawTensor {
  const t = v.read();
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const data = dtype === 'int32' ? new Int32Array(t.dataSync() as Int32Array) : new Float32Array(t.dataSync() as Float32Array);
  return { name, shape: [...t.shape], dtype, data };
}

/** Serialize model topology + all weights (BN moving stats included) + the training state. */
export function encodeModelCheckpoint(model: tf.LayersModel, contents: CheckpointContents): Buffer {
  const weights = model.weights.map((w) => readTensor(w, w.originalName));
  const header = {
    kind: 'tinynet-checkpoint',
    tinynetVersion: TINYNET_VERSION,
    createdAt: new Date().toISOString(),
    topology: model.toJSON(null, false),
    ...contents,
    optimizer: contents.optimizer ? { name: contents.optimizer.name, step: contents.optimizer.step } : null,
    ema: undefined,
    weightsFrom: contents.weightsFrom ?? 'raw',
  };
  return encodeCheckpoint(header, { weights, optimizer: contents.optimizer?.slots ?? [], ...(contents.ema ? { ema: contents.ema } : {}) });
}

/** Write a checkpoint atomically (temp file + rename): readers see the old file or the new one, never half of one. */
export function saveCheckpoint(file: string, model: tf.LayersModel, contents: CheckpointContents): void {
  writeFileAtomic(file, encodeModelCheckpoint(model, contents));
}

/** A verified checkpoint's contents without the model built (no TensorFlow.js work: safe before a backend is chosen). */
export interface CheckpointInfo extends CheckpointContents {
  file: string;
  createdAt: string;
  tinynetVersion: string;
  /** The Keras topology JSON. */
  topology: unknown;
  /** The weights by name, as stored. */
  weights: RawTensor[];
}

/** Read and verify a checkpoint (checksum, structure); refuses damaged files with a TinynetError. */
export function readCheckpoint(file: string): CheckpointInfo {
  if (!existsSync(file)) {
    throw new TinynetError('checkpoint.not_found', `checkpoint not found: ${file}`, 'train first (`tinynet train`) or pass the path of an existing .ckpt file');
  }
  const { header, tensors } = decodeCheckpoint(readFileSync(file), file);
  if (header.kind !== 'tinynet-checkpoint') {
    throw new TinynetError('checkpoint.not_a_checkpoint', `${file} is not a tinynet model checkpoint`);
  }
  const opt = header.optimizer as { name: string; step: number } | null;
  return {
    file,
    createdAt: header.createdAt as string,
    tinynetVersion: header.tinynetVersion as string,
    topology: header.topology,
    weights: tensors.weights ?? [],
    config: header.config as Config,
    configHash: header.configHash as string,
    meta: (header.meta as DatasetMetaLike | null) ?? null,
    epoch: header.epoch as number,
    step: header.step as number,
    batchInEpoch: (header.batchInEpoch as number) ?? 0,
    epochProgress: (header.epochProgress as EpochProgress | null) ?? null,
    metrics: (header.metrics as EpochMetrics | null) ?? null,
    history: (header.history as EpochMetrics[]) ?? [],
    best: (header.best as BestMetric | null) ?? null,
    rng: header.rng as RngSnapshot,
    optimizer: opt ? { name: opt.name, step: opt.step, slots: tensors.optimizer ?? [] } : null,
    callbacks: (header.callbacks as Record<string, unknown>) ?? {},
    backend: header.backend as string,
    ema: tensors.ema ?? null,
    weightsFrom: (header.weightsFrom as 'raw' | 'ema' | undefined) ?? 'raw',
  };
}

/**
 * Load and verify a checkpoint, rebuild the model and restore its weights (on the current tfjs
 * backend; the default one is initialized if none is yet). A truncated or altered file is refused
 * (TinynetError `checkpoint.corrupt`) before anything is built.
 */
export async function loadCheckpoint(file: string): Promise<LoadedCheckpoint> {
  const info = readCheckpoint(file);
  await tf.ready();
  const model = await tf.models.modelFromJSON({ modelTopology: info.topology as tf.io.ModelJSON['modelTopology'] } as tf.io.ModelJSON);
  const byName = new Map(info.weights.map((t) => [t.name, t]));
  const values: tf.Tensor[] = [];
  try {
    for (const w of model.weights) {
      const t = byName.get(w.originalName);
      if (!t || t.shape.join(',') !== w.shape.join(',')) {
        throw new TinynetError(
          'checkpoint.corrupt',
          `checkpoint ${file} has no weight ${w.originalName} of shape [${w.shape}]`,
          'the topology and weights do not match; use another checkpoint',
        );
      }
      values.push(tf.tensor(t.data, t.shape, t.dtype));
    }
    if (byName.size !== model.weights.length) {
      throw new TinynetError('checkpoint.corrupt', `checkpoint ${file} holds ${byName.size} weights, its model has ${model.weights.length}`);
    }
    model.setWeights(values);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    tf.dispose(values);
  }
  const { topology: _t, weights: _w, ...rest } = info;
  return { ...rest, model };
}
