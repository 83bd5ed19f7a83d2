/**
 * One converter per Keras layer class, looked up by `layer.getClassName()` — the tf2onnx shape:
 * families register themselves in export/converters/<family>.ts; export/converters/index.ts loads them all.
 */
import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from '../onnx/builder.js';
import type { Shape, TensorValue, Layout } from './layout.js';
import { TinynetError } from '../core/errors.js';

export interface Weight {
  data: Float32Array;
  /** Keras shape of the weight. */
  shape: number[];
}

export interface ConvertContext {
  g: GraphBuilder;
  layer: tf.layers.Layer;
  className: string;
  /** `layer.getConfig()`: camelCase keys as tfjs serializes them. */
  config: tf.serialization.ConfigDict;
  inputs: TensorValue[];
  /** Keras output shapes of this call of the layer (batch included, null when unknown). */
  outputShapes: Shape[];
  /** Node-name prefix: the layer's path in the model (nested models joined by '/'). */
  scope: string;
  /** The input value in the requested layout (inserting one Transpose when needed). */
  as(t: TensorValue, layout: Layout): TensorValue;
  /** A weight by its short name ('kernel', 'bias', 'gamma', 'moving_mean', …). */
  weight(name: string): Weight | undefined;
  requireWeight(name: string): Weight;
}

export type Converter = (ctx: ConvertContext) => TensorValue[];

const registry = new Map<string, Converter>();

export function registerConverter(classNames: string | string[], converter: Converter): void {
  for (const name of Array.isArray(classNames) ? classNames : [classNames]) registry.set(name, converter);
}

export function findConverter(className: string, layerName: string): Converter {
  const converter = registry.get(className);
  if (!converter) {
    throw new TinynetError(
      'export.unsupported_layer',
      `cannot export layer "${layerName}": layer class ${className} has no ONNX converter`,
      `supported classes: ${supportedClasses().join(', ')}`,
    );
  }
  return converter;
}

export function supportedClasses(): string[] {
  return [...registry.keys()].sort();
}

/** A converter found a configuration it cannot express faithfully. */
export function unsupported(ctx: ConvertContext, what: string): TinynetError {
  return new TinynetError(
    'export.unsupported_layer',
    `cannot export layer "${ctx.layer.name}" (${ctx.className}): ${what}`,
    'change the layer configuration, or open an issue with the model.json',
  );
}
