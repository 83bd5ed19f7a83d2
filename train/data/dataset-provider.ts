import * as tf from '@tensorflow/tfjs';
import type { Config } from '../../core/config/index.js';
import { Rng } from '../../core/rng.js';
import { loadSplit, createBatchIterator, drawAugmentParams, augmentBatch, type DatasetMeta, type SplitData } from '../../dataset/index.js';
import { epochSeed } from './array-provider.js';
import type { DataProvider, ImageSamples } from './provider.js';
import type { DatasetMetaLike } from '../types.js';

/**
 * The trainer's view of a prepared dataset cache: train batches shuffled and augmented by the
 * dataset room's iterator, with a fresh Rng per epoch derived from (config.seed, epoch) so any
 * epoch replays exactly on resume; val batches in order, never augmented.
 */
export function datasetProvider(config: Config, dir: string, meta: DatasetMeta): DataProvider {
  return splitsProvider(config, loadSplit(dir, 'train'), loadSplit(dir, 'val'), meta);
}

/** The same over splits already in memory. */
export function splitsProvider(config: Config, train: SplitData, val: SplitData, meta: DatasetMeta): DataProvider {
  return {
    numClasses: meta.num_classes,
    inputShape: meta.input_shape,
    trainSize: train.n,
    valSize: val.n,
    meta: meta as unknown as DatasetMetaLike,
    trainBatches(epoch, batchSize) {
      const it = createBatchIterator({ data: train, meta, batchSize, shuffle: true, rng: new Rng(epochSeed(config.seed, epoch)), augment: config.augment });
      return it.epoch();
    },
    valBatches(batchSize) {
      return createBatchIterator({ data: val, meta, batchSize, shuffle: false, rng: new Rng(0), augment: null }).epoch();
    },
    samples(count): ImageSamples {
      // The same augmentation the training batches get, shown before normalization.
      const n = Math.min(count, train.n);
      const { height: h, width: w } = train;
      const px = h * w * 3;
      const rng = new Rng(epochSeed(config.seed, -1));
      const out = tf.tidy(() => {
        const raw = tf.div(tf.tensor4d(train.images.subarray(0, n * px), [n, h, w, 3], 'int32'), 255) as tf.Tensor4D;
        const x = config.augment.enabled ? augmentBatch(raw, drawAugmentParams(n, config.augment, rng), config.augment) : raw;
        return tf.cast(tf.round(tf.mul(tf.clipByValue(x, 0, 1), 255)), 'int32');
      });
      const flat = Uint8Array.from(out.dataSync());
      out.dispose();
      return { height: h, width: w, images: Array.from({ length: n }, (_, i) => flat.slice(i * px, (i + 1) * px)) };
    },
  };
}
