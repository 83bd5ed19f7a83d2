import type { Config } from '../../core/config/index.js';
import { Rng } from '../../core/rng.js';
import { loadSplit, createBatchIterator, augmentedPixels, type DatasetMeta, type SplitData } from '../../dataset/index.js';
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
    async samples(count): Promise<ImageSamples> {
      // The same augmentation the training batches get (policy, erasing and mixing included), shown before normalization.
      const n = Math.min(count, train.n);
      const { height: h, width: w } = train;
      const px = h * w * 3;
      const u8 = train.images.subarray(0, n * px);
      const flat = config.augment.enabled
        ? (
            await augmentedPixels(
              u8,
              train.labels.subarray(0, n),
              h,
              w,
              config.augment,
              { mean: meta.mean, std: meta.std, numClasses: meta.num_classes },
              new Rng(epochSeed(config.seed, -1)),
            )
          ).pixels
        : u8;
      return { height: h, width: w, images: Array.from({ length: n }, (_, i) => flat.slice(i * px, (i + 1) * px)) };
    },
  };
}
