import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../../core/config/index.js';
import { createLogger } from '../../core/log.js';
import { Rng } from '../../core/rng.js';
import { prepareDataset, loadSplit, type DatasetMeta } from '../../dataset/index.js';
import { selectBackend } from '../backend/select.js';
import { buildResNet } from '../model/index.js';
import { datasetProvider } from '../data/dataset-provider.js';
import { arrayDataProvider } from '../data/array-provider.js';
import type { DataProvider } from '../data/provider.js';

export interface ProtocolSetup {
  backend: string;
  dir: string;
  meta: DatasetMeta;
  /** The training pipeline exactly as `tinynet train` builds it (augmented, shuffled per epoch). */
  data: DataProvider;
  /** A fresh model with the run's seeded initialization: every call gives the same weights. */
  buildModel: () => tf.LayersModel;
}

const log = createLogger('protocol');

/** What sanity and lr-find share with `tinynet train`: the backend, the dataset cache, the data pipeline, the model. */
export async function protocolSetup(config: Config): Promise<ProtocolSetup> {
  const backend = await selectBackend(config.train.backend, { threads: config.train.threads });
  const { dir, meta } = await prepareDataset(config);
  log.info(`dataset ${dir}: ${meta.splits.train.size} train images, ${meta.num_classes} classes; backend ${backend.name}`);
  return {
    backend: backend.name,
    dir,
    meta,
    data: datasetProvider(config, dir, meta),
    buildModel: () => buildResNet(config.model, { inputShape: meta.input_shape, numClasses: meta.num_classes }, { seed: config.seed }),
  };
}

/**
 * `size` train images picked with the config's seed, one class after another (so a subset smaller
 * than the class count still spans classes), as an in-memory provider without augmentation.
 * It serves as both train and val of the overfit run: val then measures memorization.
 */
export function overfitSubset(config: Config, dir: string, meta: DatasetMeta, size: number): DataProvider {
  const train = loadSplit(dir, 'train');
  const n = Math.min(size, train.n);
  const order = new Rng(config.seed).shuffle(Int32Array.from({ length: train.n }, (_, i) => i)) as Int32Array;
  const byClass = new Map<number, number[]>();
  for (const row of order) byClass.set(train.labels[row], [...(byClass.get(train.labels[row]) ?? []), row]);
  const rows: number[] = [];
  const queues = [...byClass.values()];
  for (let k = 0; rows.length < n; k++) {
    const q = queues[k % queues.length];
    if (q.length) rows.push(q.shift()!);
  }
  const px = train.height * train.width * 3;
  const images = new Uint8Array(n * px);
  const labels = new Int32Array(n);
  rows.forEach((row, i) => {
    images.set(train.images.subarray(row * px, (row + 1) * px), i * px);
    labels[i] = train.labels[row];
  });
  const split = { images, labels };
  return arrayDataProvider({
    train: split,
    val: split,
    inputShape: meta.input_shape,
    numClasses: meta.num_classes,
    mean: meta.mean,
    std: meta.std,
    seed: config.seed,
    meta: meta as unknown as Record<string, unknown>,
  });
}
