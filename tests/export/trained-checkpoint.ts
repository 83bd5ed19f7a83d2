/**
 * A small classifier actually trained on a synthetic dataset cache (so test accuracy means
 * something), saved as the trainer saves a checkpoint: the source for the reduced-precision
 * export tests. Training is plain tfjs fit on the wasm backend, seconds at 16×16.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { validateConfig, type Config } from '../../core/config/index.js';
import { prepareDataset } from '../../dataset/prepare.js';
import { loadSplit, type DatasetMeta } from '../../dataset/cache.js';
import { normalizeBatch } from '../../dataset/augment.js';
import { buildResNet } from '../../train/model/index.js';
import { saveCheckpoint, type CheckpointContents } from '../../train/checkpoint.js';
import { tempDir } from '../helpers/dataset-config.js';
import { selectBackend } from '../../train/backend/select.js';

export const SIZE = 16;
export const CLASSES = 4;
const EPOCHS = 8;

export interface TrainedCheckpoint {
  root: string;
  config: Config;
  cacheDir: string;
  meta: DatasetMeta;
  checkpoint: string;
  raw: Record<string, unknown>;
}

let cached: Promise<TrainedCheckpoint> | undefined;

export function trainedCheckpoint(): Promise<TrainedCheckpoint> {
  cached ??= train();
  return cached;
}

async function train(): Promise<TrainedCheckpoint> {
  const root = tempDir('quant');
  const raw = {
    seed: 3,
    dataset: {
      source: 'synthetic',
      path: path.join(root, 'syn'),
      image_size: SIZE,
      test_ratio: 0.25,
      synthetic: { classes: CLASSES, per_class: 60, val_per_class: 5, seed: 9 },
    },
    model: { blocks: [1, 1], widths: [8, 16], dropout: 0 },
    train: { backend: 'wasm', batch_size: 16 },
    serve: { providers: ['cpu'], threads: 1, max_batch: 16 },
    paths: { cache: path.join(root, 'cache'), artifacts: path.join(root, 'artifacts') },
  };
  const config = validateConfig(raw).config;
  const prepared = await prepareDataset(config);
  await selectBackend('wasm');
  const train = loadSplit(prepared.dir, 'train');
  const model = buildResNet(config.model, { inputShape: [SIZE, SIZE, 3], numClasses: CLASSES }, { seed: 5 });
  const x = tf.tensor4d(normalizeBatch(train.images, prepared.meta.mean, prepared.meta.std), [train.n, SIZE, SIZE, 3]);
  const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), CLASSES);
  model.compile({ optimizer: tf.train.adam(3e-3), loss: tf.losses.softmaxCrossEntropy, metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: EPOCHS, batchSize: 16, shuffle: true, verbose: 0 });
  tf.dispose([x, y]);
  const checkpoint = path.join(root, 'artifacts', 'best.ckpt');
  const contents: CheckpointContents = {
    config,
    configHash: 'quantize-test',
    meta: prepared.meta as unknown as Record<string, unknown>,
    epoch: EPOCHS,
    step: EPOCHS * Math.ceil(train.n / 16),
    batchInEpoch: 0,
    metrics: null,
    history: [],
    best: null,
    rng: { dropout: [1, 2, 3, 4] },
    optimizer: null,
    callbacks: {},
    backend: tf.getBackend(),
  };
  mkdirSync(path.dirname(checkpoint), { recursive: true });
  saveCheckpoint(checkpoint, model, contents);
  model.dispose();
  return { root, config, cacheDir: prepared.dir, meta: prepared.meta, checkpoint, raw };
}
