/**
 * What the training loop asks of an engine: gradients of a batch, then (once the callbacks have
 * seen the loss and gradient norm) the update, validation, and the weights back in the tfjs model
 * for checkpoints. TensorFlow.js (any of its backends) is one engine, onnxruntime-node another;
 * the loop, its callbacks and the checkpoint format are the same for both.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OptimizerState } from '../types.js';
import type { Batch } from '../data/provider.js';
import type { Evaluation } from './evaluate.js';

export interface GradientOptions {
  numClasses: number;
  labelSmoothing: number;
  /** Micro-batch size (0 or ≥ batch = the whole batch at once). */
  microBatch: number;
  /** Clip the global gradient norm to this (0 = off). */
  gradClip: number;
}

export interface GradientResult {
  /** Mean loss over the batch (label smoothing included). */
  loss: number;
  correct: number;
  /** Global L2 norm before clipping. */
  gradNorm: number;
}

export interface NamedGradient {
  name: string;
  /** The weight's shape as the model holds it. */
  shape: number[];
  data: Float32Array;
}

export interface EngineWeight {
  /** The model weight's name. */
  name: string;
  /** Its values in the engine's layout: the engine's own array where it holds one (onnxruntime), a copy otherwise. */
  data: Float32Array;
}

export interface TrainingEngine {
  /** Recorded in checkpoints as the backend the run trained on. */
  readonly name: string;
  readonly model: tf.LayersModel;
  /** Forward and backward on one batch (the engine disposes it); the clipped gradients wait for applyUpdate or discardGradients. */
  computeGradients(batch: Batch, opts: GradientOptions): Promise<GradientResult>;
  /** The gradients computeGradients left (before clipping), by weight, for inspection. */
  gradients(): NamedGradient[];
  applyUpdate(lr: number): void;
  discardGradients(): void;
  evaluate(batches: AsyncIterable<Batch> | Iterable<Batch>, numClasses: number): Promise<Evaluation>;
  /** Inference-mode logits [B, numClasses] of a normalized NHWC batch (the caller keeps `x`). */
  predictLogits(x: tf.Tensor4D): Promise<Float32Array>;
  /** What computes, for reports: `onnxruntime-node 1.30.0 cpu`, `TensorFlow.js 4.22.0 wasm`. */
  readonly description: string;
  getOptimizerState(): OptimizerState;
  setOptimizerState(state: OptimizerState): void;
  /** Every weight the engine trains or moves (BatchNorm statistics included), in its own layout. */
  weightArrays(): EngineWeight[];
  /** Overwrite the engine's weights with arrays in its layout, by name (for evaluating an EMA). */
  setWeightArrays(arrays: ReadonlyMap<string, Float32Array>): void;
  /** One weight's array from the engine's layout into the model's (Keras) one, and back. */
  toModelLayout(name: string, data: Float32Array): Float32Array;
  fromModelLayout(name: string, data: Float32Array): Float32Array;
  /** Write the engine's weights and running statistics into the tfjs model (a no-op where they live there). */
  syncModel(): void;
  dispose(): void;
}
