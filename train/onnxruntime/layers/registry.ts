/**
 * One training-form converter per Keras layer class, looked up by class name — the exporter's
 * registry shape, but emitting what a training step needs: NCHW values with static shapes, weights
 * as graph inputs (they change every step), BatchNorm on batch statistics with its running-statistic
 * updates as outputs, and Dropout2d masks as inputs drawn by the trainer's seeded stream.
 */
import type * as tf from '@tensorflow/tfjs';
import { TinynetError } from '../../../core/errors.js';
import type { TrainGraph } from '../graph.js';

/** A model weight the graph reads as an input. */
export interface WeightBinding {
  /** The tfjs weight's name (`stem_conv/kernel`): how checkpoints and the optimizer name it. */
  name: string;
  /** Graph input name. */
  input: string;
  kerasShape: number[];
  onnxShape: number[];
  /** Keras → ONNX axis permutation (conv kernels [kh,kw,ci,co] → [co,ci,kh,kw]); null when equal. */
  perm: number[] | null;
  trainable: boolean;
}

/** A running statistic the step updates: the graph output holding its next value. */
export interface StateUpdate {
  weight: string;
  output: string;
}

/** A Dropout2d call: its mask input [N, C, 1, 1] holds 0 or 1/(1 − rate). */
export interface DropoutSite {
  layer: string;
  input: string;
  channels: number;
  rate: number;
}

export type GraphMode = 'train' | 'eval';

export interface LayerContext {
  tg: TrainGraph;
  mode: GraphMode;
  layer: tf.layers.Layer;
  className: string;
  /** `layer.getConfig()`, camelCase keys as tfjs serializes them. */
  config: tf.serialization.ConfigDict;
  inputs: string[];
  /** The layer's path in the model: node-name prefix. */
  scope: string;
  /** The graph input for one of the layer's weights ('kernel', 'gamma', 'moving_mean', …), in ONNX layout. */
  weight(short: string, perm?: number[]): string;
  hasWeight(short: string): boolean;
  /** Declare that `output` is the next value of the layer's weight `short` (train mode). */
  updates(short: string, output: string): void;
  /** A Dropout2d mask input for `channels` channels. */
  dropoutMask(channels: number, rate: number): string;
}

export type LayerConverter = (ctx: LayerContext) => string[];

const registry = new Map<string, LayerConverter>();

export function registerLayer(classNames: string | string[], converter: LayerConverter): void {
  for (const name of Array.isArray(classNames) ? classNames : [classNames]) registry.set(name, converter);
}

export function trainableClasses(): string[] {
  return [...registry.keys()].sort();
}

export function findLayer(className: string, path: string): LayerConverter {
  const converter = registry.get(className);
  if (!converter) {
    throw new TinynetError(
      'train.unsupported_layer',
      `the onnxruntime engine cannot train layer "${path}": layer class ${className} has no training converter`,
      `train this model with --backend wasm, or use layers of: ${trainableClasses().join(', ')}`,
    );
  }
  return converter;
}

/** A layer configuration the training graph cannot express. */
export function unsupportedConfig(ctx: LayerContext, what: string): TinynetError {
  return new TinynetError(
    'train.unsupported_layer',
    `the onnxruntime engine cannot train layer "${ctx.scope}" (${ctx.className}): ${what}`,
    'train this model with --backend wasm',
  );
}
