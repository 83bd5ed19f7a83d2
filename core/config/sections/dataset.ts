import { z } from 'zod';
import { RESIZE_RULES } from '../../image/resize-rule.js';

export const datasetSection = z.strictObject({
  /** Where images come from; every source ends in the same dataset cache. */
  source: z.enum(['hf-parquet', 'tiny-imagenet-folder', 'synthetic']).default('hf-parquet'),
  /** Dataset root: HF layout (`data/*.parquet`), the unzipped Tiny ImageNet folder (or its zip), or the synthetic output dir. */
  path: z.string().min(1).default('data/tiny-imagenet'),
  /** Explicit parquet shards instead of `<path>/data/`; `train` and `val` lists. */
  files: z.strictObject({ train: z.array(z.string()).default([]), val: z.array(z.string()).default([]) }).optional(),
  /** JSON class list (`id`, `wnid`, `name`); null = the built-in Tiny ImageNet list, or the synthetic generator's own. */
  classes: z.string().nullable().default(null),
  /** Fraction of each train class carved out (stratified) as the test split. */
  test_ratio: z.number().gt(0).lt(1).default(0.1),
  /** Seed of the stratified split. */
  split_seed: z.number().int().nonnegative().default(42),
  /** Side of the square images in the cache. */
  image_size: z.number().int().min(8).max(512).default(64),
  /**
   * How images not already image_size² get there: center_crop (shorter side to size, centred crop)
   * or stretch (whole image, aspect not kept). Recorded in the cache meta and the ONNX model, so
   * serving does the same.
   */
  resize: z.enum(RESIZE_RULES).default('center_crop'),
  /** Decode threads during prepare: 0 = auto (one per core from 4,000 images, else the main thread), 1 = main thread only, N = N worker threads. */
  workers: z.number().int().nonnegative().default(0),
  /** Only for source: synthetic — what `data prepare` generates when the path holds nothing yet. */
  synthetic: z
    .strictObject({
      classes: z.number().int().min(2).max(1000).default(10),
      per_class: z.number().int().min(2).default(100),
      val_per_class: z.number().int().min(1).default(20),
      seed: z.number().int().nonnegative().default(7),
    })
    .prefault({}),
});
