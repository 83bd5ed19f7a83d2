import type * as tf from '@tensorflow/tfjs';
import type { DatasetMetaLike } from '../types.js';

/** One batch: normalized float32 images [B, H, W, C] and int32 labels [B]. The trainer disposes it (disposeBatch). */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** Soft targets [B, numClasses] from batch mixing; when present the loss uses them instead of `y`. */
  targets?: tf.Tensor2D;
}

/** A few augmented training images as 8-bit RGB, for TensorBoard's image tab. */
export interface ImageSamples {
  height: number;
  width: number;
  /** One HWC uint8 RGB buffer per image. */
  images: Uint8Array[];
}

/**
 * What the trainer needs from a dataset. Everything random about an epoch (order, augmentation)
 * must follow from the epoch number and the provider's own seed, so a resumed run sees the same
 * batches as the uninterrupted one.
 */
export interface DataProvider {
  numClasses: number;
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  trainSize: number;
  valSize: number;
  /** The dataset cache's meta.json (stored in checkpoints), or null for in-memory test data. */
  meta: DatasetMetaLike | null;
  trainBatches(epoch: number, batchSize: number): AsyncIterable<Batch> | Iterable<Batch>;
  valBatches(batchSize: number): AsyncIterable<Batch> | Iterable<Batch>;
  /** Optional: augmented samples for TensorBoard. */
  samples?(count: number): Promise<ImageSamples> | ImageSamples;
}
