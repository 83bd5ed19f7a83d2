/**
 * Walks a tfjs LayersModel (Sequential, functional, nested models) from its outputs back to its
 * inputs and converts each layer call once, in dependency order, through the converter registry.
 */
import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from '../onnx/builder.js';
import { LayoutCache, type Shape, type TensorValue } from './layout.js';
import { findConverter, type ConvertContext, type Weight } from './registry.js';
import { TinynetError } from '../core/errors.js';
import './converters/index.js';
import { shortWeightName, walkModel, type InternalNode, type WalkRecord } from '../onnx/keras-walk.js';

type SymbolicTensor = tf.SymbolicTensor;

function layerWeights(layer: tf.layers.Layer): Map<string, Weight> {
  const map = new Map<string, Weight>();
  const values = layer.getWeights();
  layer.weights.forEach((v, i) => {
    const t = values[i];
    map.set(shortWeightName(v.originalName ?? v.name), { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape.slice() });
  });
  return map;
}

function shapeOf(s: SymbolicTensor): Shape {
  return s.shape.map((d) => (d == null ? null : Number(d)));
}

export class ModelWalker {
  readonly layouts: LayoutCache;
  readonly layerOutputs: Array<WalkRecord<TensorValue>> = [];

  constructor(private readonly g: GraphBuilder) {
    this.layouts = new LayoutCache(g);
  }

  /** Convert `model` with its inputs bound to `inputs`; returns its outputs in model.outputs order. */
  convert(model: tf.LayersModel, inputs: TensorValue[]): TensorValue[] {
    return walkModel(model, inputs, (call, ins) => this.convertLayer(call.layer, call.node, ins, call.path), this.layerOutputs);
  }

  private convertLayer(layer: tf.layers.Layer, node: InternalNode, inputs: TensorValue[], path: string): TensorValue[] {
    const className = layer.getClassName();
    const converter = findConverter(className, path);
    let weights: Map<string, Weight> | undefined;
    const weight = (name: string) => {
      weights ??= layerWeights(layer);
      return weights.get(name);
    };
    const ctx: ConvertContext = {
      g: this.g,
      layer,
      className,
      config: layer.getConfig(),
      inputs,
      outputShapes: node.outputTensors.map(shapeOf),
      scope: path,
      as: (t, layout) => this.layouts.to(t, layout),
      weight,
      requireWeight: (name) => {
        const w = weight(name);
        if (!w) {
          const have = [...(weights ?? new Map()).keys()].join(', ') || 'none';
          throw new TinynetError(
            'export.bad_weights',
            `layer "${path}" (${className}) has no weight "${name}" (has: ${have})`,
            'was the model saved with all its weights?',
          );
        }
        return w;
      },
    };
    return converter(ctx);
  }
}
