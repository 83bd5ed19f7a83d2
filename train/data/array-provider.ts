import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import type { Batch, DataProvider, ImageSamples } from './provider.js';
import type { DatasetMetaLike } from '../types.js';

export interface ArraySplit {
  /** HWC uint8 images, concatenated. */
  images: Uint8Array;
  labels: Int32Array;
}

export interface ArrayProviderOptions {
  train: ArraySplit;
  val: ArraySplit;
  inputShape: [number, number, number];
  numClasses: number;
  /** Per-channel mean/std on the 0–1 scale; images are normalized as (x/255 − mean)/std. */
  mean?: number[];
  std?: number[];
  seed?: number;
  meta?: DatasetMetaLike | null;
}

/** Per-epoch seed: a fixed function of (seed, epoch), so any epoch can be replayed alone. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x6a09e667, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Batches from arrays held in memory, shuffled per epoch (no augmentation): what tests and small
 * in-memory experiments use. The dataset room's iterator is the one with augmentation.
 */
export function arrayDataProvider(opts: ArrayProviderOptions): DataProvider {
  const [h, w, c] = opts.inputShape;
  const pixels = h * w * c;
  const mean = opts.mean ?? new Array(c).fill(0);
  const std = opts.std ?? new Array(c).fill(1);
  const seed = opts.seed ?? 0;
  const count = (s: ArraySplit) => s.labels.length;

  const batch = (split: ArraySplit, idx: ArrayLike<number>): Batch =>
    tf.tidy(() => {
      const buf = new Float32Array(idx.length * pixels);
      const lab = new Int32Array(idx.length);
      for (let i = 0; i < idx.length; i++) {
        const src = idx[i] * pixels;
        for (let p = 0; p < pixels; p++) buf[i * pixels + p] = (split.images[src + p] / 255 - mean[p % c]) / std[p % c];
        lab[i] = split.labels[idx[i]];
      }
      return { x: tf.tensor4d(buf, [idx.length, h, w, c]), y: tf.tensor1d(lab, 'int32') };
    });

  function* iterate(split: ArraySplit, order: Int32Array, batchSize: number): Iterable<Batch> {
    for (let s = 0; s < order.length; s += batchSize) yield batch(split, order.subarray(s, Math.min(order.length, s + batchSize)));
  }

  return {
    numClasses: opts.numClasses,
    inputShape: opts.inputShape,
    trainSize: count(opts.train),
    valSize: count(opts.val),
    meta: opts.meta ?? null,
    trainBatches(epoch, batchSize) {
      const order = Int32Array.from({ length: count(opts.train) }, (_, i) => i);
      new Rng(epochSeed(seed, epoch)).shuffle(order);
      return iterate(opts.train, order, batchSize);
    },
    valBatches(batchSize) {
      return iterate(
        opts.val,
        Int32Array.from({ length: count(opts.val) }, (_, i) => i),
        batchSize,
      );
    },
    samples(n): ImageSamples {
      const k = Math.min(n, count(opts.train));
      return { height: h, width: w, images: Array.from({ length: k }, (_, i) => opts.train.images.slice(i * pixels, (i + 1) * pixels)) };
    },
  };
}
