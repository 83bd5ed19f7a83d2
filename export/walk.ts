/**
 * Walks a tfjs LayersModel (Sequential, functional, nested models) from its outputs back to its
 * inputs and converts each layer call once, in dependency order, through the converter registry.
 */
import * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from '../onnx/builder.js';
import { LayoutCache, type Shape, type TensorValue } from './layout.js';
import { findConverter, type ConvertContext, type Weight } from './registry.js';
import { TinynetError } from '../core/errors.js';
import './converters/index.js';

type SymbolicTensor = tf.SymbolicTensor;

export interface InternalNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
}

function isContainer(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** Short weight name: 'conv2d_1/kernel' → 'kernel' (tfjs may add '_1' when names repeat in a process). */
function shortWeightName(name: string): string {
  const last = name.split('/').pop() ?? name;
  return last.replace(/:\d+$/, '').replace(/_\d+$/, '');
}

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

/** One call of a (non-container) layer in the model graph. */
export interface LayerCall {
  layer: tf.layers.Layer;
  node: InternalNode;
  /** Layer path ('block/conv' inside nested models). */
  path: string;
  topLevel: boolean;
}

/** What a walk produced for each layer call (containers included), in visiting order. */
export interface WalkRecord<T> {
  path: string;
  className: string;
  topLevel: boolean;
  outputs: T[];
}

/**
 * Depth-first from the outputs, each layer call once (memoized per symbolic tensor), nested models
 * entered with their inputs bound. The visiting order depends only on the model, so two walks (the
 * ONNX conversion and the eager tfjs evaluation used for parity debugging) produce records that line up.
 */
export function walkModel<T>(
  model: tf.LayersModel,
  inputs: T[],
  apply: (call: LayerCall, inputs: T[]) => T[],
  records: Array<WalkRecord<T>>,
  scope = '',
  topLevel = true,
): T[] {
  if (inputs.length !== model.inputs.length) {
    throw new Error(`model ${model.name} takes ${model.inputs.length} inputs, got ${inputs.length}`);
  }
  const memo = new Map<number, T>();
  model.inputs.forEach((s, i) => memo.set(s.id, inputs[i]));
  const visit = (s: SymbolicTensor): T => {
    const done = memo.get(s.id);
    if (done !== undefined) return done;
    const layer = s.sourceLayer as tf.layers.Layer;
    const node = (layer as unknown as { inboundNodes: InternalNode[] }).inboundNodes[s.nodeIndex];
    const ins = node.inputTensors.map(visit);
    const path = scope ? `${scope}/${layer.name}` : layer.name;
    const outs = isContainer(layer) ? walkModel(layer, ins, apply, records, path, false) : apply({ layer, node, path, topLevel }, ins);
    if (outs.length !== node.outputTensors.length) {
      throw new Error(`${layer.getClassName()} "${path}" gave ${outs.length} outputs, expected ${node.outputTensors.length}`);
    }
    node.outputTensors.forEach((o, i) => memo.set(o.id, outs[i]));
    records.push({ path, className: layer.getClassName(), topLevel, outputs: outs });
    const result = memo.get(s.id);
    if (result === undefined) throw new Error(`layer "${path}" did not produce tensor ${s.name}`);
    return result;
  };
  return model.outputs.map(visit);
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
    const weight = (name: string) => (weights ??= layerWeights(layer)).get(name);
    const ctx: ConvertContext = {
      g: this.g,
      layer,
      className,
      config: layer.getConfig() as Record<string, any>,
      inputs,
      outputShapes: node.outputTensors.map(shapeOf),
      scope: path,
      as: (t, layout) => this.layouts.to(t, layout),
      weight,
      requireWeight: (name) => {
        const w = weight(name);
        if (!w) {
          const have = [...(weights ?? new Map()).keys()].join(', ') || 'none';
          throw new TinynetError('export.bad_weights', `layer "${path}" (${className}) has no weight "${name}" (has: ${have})`, 'was the model saved with all its weights?');
        }
        return w;
      },
    };
    return converter(ctx);
  }
}
