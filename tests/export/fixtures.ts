/** Small tinynet-shaped models and checkpoints for the exporter tests (random weights, off-init BN stats). */
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../../core/config/index.js';
import { buildResNet } from '../../train/model/index.js';
import { saveCheckpoint, type CheckpointContents } from '../../train/checkpoint.js';
import { randomizeWeights } from '../helpers/export-parity.js';
import type { DatasetInfo } from '../../export/exporter.js';

export const TINY_META = {
  num_classes: 5,
  input_shape: [8, 8, 3],
  classes: Array.from({ length: 5 }, (_, i) => ({ id: i, wnid: `n0000000${i}`, name: `thing ${i}` })),
  mean: [0.48, 0.45, 0.4],
  std: [0.27, 0.26, 0.28],
};

export const TINY_DATASET: DatasetInfo = {
  classes: TINY_META.classes.map((c, index) => ({ index, id: c.wnid, wnid: c.wnid, name: c.name })),
  normalization: { mean: TINY_META.mean, std: TINY_META.std, pixel_scale: 1 / 255 },
};

/** The default ResNet in miniature: stride-2 stages, projections, BN, SpatialDropout2D, GAP, Dense logits. */
export function tinyResNet(over: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) {
  const { config, hash } = validateConfig({ model: { blocks: [1, 1], widths: [4, 8], dropout: 0.2, ...over }, train: { backend: 'cpu' }, ...rest });
  const model = buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 5 }, { seed: 5 });
  randomizeWeights(model);
  return { model, config, hash };
}

/** `rest`: other config sections (dataset, paths) for the checkpoint's config; `meta`: its dataset meta. */
export function writeTinyCheckpoint(file: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = TINY_META): void {
  const { model, config, hash } = tinyResNet({}, rest);
  const contents: CheckpointContents = {
    config,
    configHash: hash,
    meta,
    epoch: 3,
    step: 42,
    batchInEpoch: 0,
    metrics: { epoch: 3, 'val/accuracy': 0.6, 'val/loss': 1.1 } as unknown as CheckpointContents['metrics'],
    history: [],
    best: { monitor: 'val/accuracy', value: 0.6, epoch: 3 },
    rng: { dropout: [1, 2, 3, 4] },
    optimizer: null,
    callbacks: {},
    backend: tf.getBackend(),
  };
  saveCheckpoint(file, model, contents);
  model.dispose();
}
