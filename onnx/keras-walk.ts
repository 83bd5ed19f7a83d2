/**
 * Walks a tfjs LayersModel (Sequential, functional, nested models) from its outputs back to its
 * inputs, each layer call once, in dependency order: the one traversal the exporter and the
 * onnxruntime training engine both build their graphs with.
 */
import * as tf from '@tensorflow/tfjs';

type SymbolicTensor = tf.SymbolicTensor;

export interface InternalNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
}

/** Short weight name: 'conv2d_1/kernel' → 'kernel' (tfjs may add '_1' when names repeat in a process). */
export function shortWeightName(name: string): string {
  const last = name.split('/').pop() ?? name;
  return last.replace(/:\d+$/, '').replace(/_\d+$/, '');
}

function isContainer(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
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
  model.inputs.forEach((s, i) => {
    memo.set(s.id, inputs[i]);
  });
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
    node.outputTensors.forEach((o, i) => {
      memo.set(o.id, outs[i]);
    });
    records.push({ path, className: layer.getClassName(), topLevel, outputs: outs });
    const result = memo.get(s.id);
    if (result === undefined) throw new Error(`layer "${path}" did not produce tensor ${s.name}`);
    return result;
  };
  return model.outputs.map(visit);
}
