import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';
import { TinynetError } from '../core/errors.js';
import { loadSplit, type DatasetMeta, type SplitData, type SplitName } from './cache.js';
import { normalizeBatch } from './augment.js';
import { augmentUint8Batch } from './recipe.js';

export interface Batch {
  /** float32 [B,H,W,3], normalized with the train mean/std. */
  x: tf.Tensor4D;
  /** int32 [B] label ids. */
  y: tf.Tensor1D;
  /** float32 [B, numClasses] soft targets, when batch mixing is on (the loss then uses these, not `y`). */
  targets?: tf.Tensor2D;
  /** Rows of the split in this batch. */
  indices: Int32Array;
}

export interface BatchIteratorOptions {
  /** The split in memory, or a cache dir + split name to load it from. */
  data?: SplitData;
  dir?: string;
  split?: SplitName;
  meta: DatasetMeta;
  batchSize: number;
  shuffle: boolean;
  /** Drives the per-epoch shuffle and the augmentation; save its state to resume exactly. */
  rng: Rng;
  /** Augmentation settings; pass them for the train split only. Null/undefined or enabled:false = none. */
  augment?: AugmentConfig | null;
  dropLast?: boolean;
}

export interface BatchIterator {
  readonly n: number;
  readonly batchesPerEpoch: number;
  readonly data: SplitData;
  /**
   * One pass over the split. Batch k+1 is built while the caller uses batch k (after it awaits).
   * The caller disposes each batch's tensors (`disposeBatch(b)`).
   */
  epoch(): AsyncGenerator<Batch, void, undefined>;
}

/** Free a batch's tensors (its targets included). */
export function disposeBatch(b: { x: tf.Tensor; y: tf.Tensor; targets?: tf.Tensor }): void {
  tf.dispose(b.targets ? [b.x, b.y, b.targets] : [b.x, b.y]);
}

export function createBatchIterator(opts: BatchIteratorOptions): BatchIterator {
  const data = opts.data ?? (opts.dir && opts.split ? loadSplit(opts.dir, opts.split) : null);
  if (!data) throw new TinynetError('dataset.bad_option', 'createBatchIterator needs `data`, or `dir` and `split`');
  if (!(opts.batchSize >= 1)) throw new TinynetError('dataset.bad_option', `batch size must be ≥ 1 (got ${opts.batchSize})`);
  const { n, height: h, width: w } = data;
  const px = h * w * 3;
  const dropLast = opts.dropLast ?? false;
  const batchesPerEpoch = dropLast ? Math.floor(n / opts.batchSize) : Math.ceil(n / opts.batchSize);
  const aug = opts.augment?.enabled ? opts.augment : null;
  const { mean, std } = opts.meta;

  const build = (order: Int32Array, k: number, augRng: Rng): Batch => {
    const start = k * opts.batchSize;
    const indices = order.subarray(start, Math.min(n, start + opts.batchSize)).slice();
    const b = indices.length;
    const u8 = new Uint8Array(b * px);
    const labels = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const row = indices[i];
      u8.set(data.images.subarray(row * px, (row + 1) * px), i * px);
      labels[i] = data.labels[row];
    }
    const y = tf.tensor1d(labels, 'int32');
    if (!aug) return { x: tf.tensor4d(normalizeBatch(u8, mean, std), [b, h, w, 3]), y, indices };
    const out = augmentUint8Batch(u8, labels, h, w, aug, { mean, std, numClasses: opts.meta.num_classes }, augRng);
    return out.targets ? { x: out.x, y, targets: tf.tensor2d(out.targets, [b, opts.meta.num_classes]), indices } : { x: out.x, y, indices };
  };

  return {
    n,
    batchesPerEpoch,
    data,
    async *epoch() {
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const orderRng = opts.rng.fork();
      const augRng = opts.rng.fork();
      if (opts.shuffle) orderRng.shuffle(order);
      // setImmediate: the next batch is built when the caller yields to the event loop.
      const prepare = (k: number) =>
        new Promise<Batch>((resolve, reject) =>
          setImmediate(() => {
            try {
              resolve(build(order, k, augRng));
            } catch (err) {
              reject(err);
            }
          }),
        );
      let pending: Promise<Batch> | null = batchesPerEpoch > 0 ? prepare(0) : null;
      try {
        for (let k = 0; k < batchesPerEpoch; k++) {
          const current = await pending!;
          pending = k + 1 < batchesPerEpoch ? prepare(k + 1) : null;
          yield current;
        }
      } finally {
        // The caller stopped early: free the batch built ahead.
        if (pending) pending.then(disposeBatch, () => {});
      }
    },
  };
}
