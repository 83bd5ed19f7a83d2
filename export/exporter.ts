/**
 * tfjs LayersModel → ONNX bytes: input head, converters (via the walker), classifier outputs,
 * graph passes, metadata. No I/O here; export/run.ts writes files and verifies.
 */
import type * as tf from '@tensorflow/tfjs';
import { GraphBuilder } from './onnx/builder.js';
import { attr, producers, type IrGraph, type IrValueInfo } from './onnx/ir.js';
import { serializeModel } from './onnx/serialize.js';
import { runPasses } from './passes/index.js';
import { value, type Shape, type TensorValue } from './layout.js';
import { ModelWalker } from './walk.js';
import { encodeMetadata, RESIZE_RULE, type ClassEntry, type InputContract, type Normalization, type Provenance } from '../core/onnx-metadata.js';
import { TINYNET_VERSION } from '../core/paths.js';
import { TinynetError } from '../core/errors.js';

export type InputMode = 'uint8-nhwc' | 'float32-nchw' | 'float32-nhwc';
export const INPUT_MODES: InputMode[] = ['uint8-nhwc', 'float32-nchw', 'float32-nhwc'];

/** What a dataset tells the exporter: labels and the normalization the model was trained with. */
export interface DatasetInfo {
  classes: ClassEntry[];
  normalization: Normalization;
}

export interface ExportOptions {
  /** Default: uint8-nhwc for tinynet models (dataset given), float32-nhwc (the model's own input) otherwise. */
  input?: InputMode;
  foldBatchNorm?: boolean;
  /** Given for classifiers trained by tinynet: adds the uint8 head, logits + probabilities, labels. */
  dataset?: DatasetInfo;
  provenance?: Omit<Provenance, 'tinynet_version' | 'exported_at'> & { exported_at?: string };
  /** Also expose every top-level layer's output (channels-last) as a graph output, for parity debugging. */
  debugOutputs?: boolean;
}

export interface DebugOutput {
  /** Top-level layer name. */
  layer: string;
  className: string;
  /** Index among the layer's outputs. */
  index: number;
  /** ONNX graph output name. */
  output: string;
  symbolic: tf.SymbolicTensor;
}

export interface ExportResult {
  bytes: Uint8Array;
  inputs: IrValueInfo[];
  outputs: IrValueInfo[];
  input: InputMode;
  classifier: boolean;
  passes: Record<string, number>;
  nodeCount: number;
  metadata: Record<string, string>;
  debugOutputs: DebugOutput[];
}

function dimsOf(shape: Shape, names: string[] = []): Array<number | string> {
  return shape.map((d, i) => (i === 0 ? 'N' : d ?? names[i] ?? `d${i}`));
}

/** A name usable as an ONNX graph input/output. */
function ioName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function renameValue(graph: IrGraph, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.outputs = node.outputs.map((o) => (o === from ? to : o));
    node.inputs = node.inputs.map((i) => (i === from ? to : i));
  }
  for (const o of graph.outputs) if (o.name === from) o.name = to;
}

interface HeadResult {
  values: TensorValue[];
  contract?: InputContract;
}

/** Build the graph inputs and the preprocessing in front of the model. */
function buildHead(g: GraphBuilder, model: tf.LayersModel, mode: InputMode, dataset: DatasetInfo | undefined): HeadResult {
  const shapes = model.inputs.map((s) => s.shape.map((d) => (d == null ? null : Number(d))) as Shape);
  if (mode === 'float32-nhwc') {
    const values = model.inputs.map((s, i) => {
      const name = g.addInput({ name: dataset ? 'image' : ioName(s.name.replace(/:\d+$/, '')) || `input_${i}`, dtype: 'float32', dims: dimsOf(shapes[i]) });
      return value(name, 'keras', shapes[i]);
    });
    return { values, contract: contract(values[0].name, 'float32', 'NHWC', shapes[0], false) };
  }
  if (model.inputs.length !== 1 || shapes[0].length !== 4) {
    throw new TinynetError('EXPORT_BAD_INPUT_MODE', `--input ${mode} needs a model with one image input [N,H,W,C]; this model's inputs are ${JSON.stringify(shapes)}`, 'use --input float32-nhwc');
  }
  const [, h, w, c] = shapes[0];
  if (mode === 'float32-nchw') {
    const name = g.addInput({ name: 'image', dtype: 'float32', dims: ['N', c ?? 'C', h ?? 'H', w ?? 'W'] });
    return { values: [value(name, 'cf', shapes[0])], contract: contract(name, 'float32', 'NCHW', shapes[0], false) };
  }
  // uint8-nhwc: raw RGB pixels in, Cast + per-channel affine (folded mean/std) inside the graph.
  const name = g.addInput({ name: 'image', dtype: 'uint8', dims: ['N', h ?? 'H', w ?? 'W', c ?? 'C'] });
  const x = g.op('Cast', [name], { to: attr.int(1) }, 'preprocess/Cast');
  if (!dataset) return { values: [value(x, 'keras', shapes[0])], contract: contract(name, 'uint8', 'NHWC', shapes[0], true) };
  const { mean, std, pixel_scale } = dataset.normalization;
  const channels = mean.length;
  const a = Array.from({ length: channels }, (_, i) => pixel_scale / std[i]);
  const b = Array.from({ length: channels }, (_, i) => -mean[i] / std[i]);
  const scaled = g.op('Mul', [x, g.constFloat('preprocess/scale', a, [channels])], {}, 'preprocess/Mul');
  const normalized = g.op('Add', [scaled, g.constFloat('preprocess/offset', b, [channels])], {}, 'preprocess/Add');
  return { values: [value(normalized, 'keras', shapes[0])], contract: contract(name, 'uint8', 'NHWC', shapes[0], true) };
}

function contract(name: string, dtype: 'uint8' | 'float32', layout: 'NHWC' | 'NCHW', shape: Shape, inGraph: boolean): InputContract {
  const [, h, w, c] = shape.length === 4 ? shape : [null, null, null, null];
  return { name, dtype, layout, height: h, width: w, channels: c, color: 'RGB', resize: RESIZE_RULE, batch: 'dynamic', normalized_in_graph: inGraph };
}

export function exportLayersModel(model: tf.LayersModel, options: ExportOptions = {}): ExportResult {
  const dataset = options.dataset;
  const mode: InputMode = options.input ?? (dataset ? 'uint8-nhwc' : 'float32-nhwc');
  const classifier = dataset !== undefined;
  const g = new GraphBuilder(model.name || 'model');
  const head = buildHead(g, model, mode, dataset);
  const walker = new ModelWalker(g);
  const outs = walker.convert(model, head.values).map((t) => walker.layouts.to(t, 'keras'));

  const debugOutputs: DebugOutput[] = [];
  if (options.debugOutputs) {
    for (const rec of walker.layerOutputs) {
      if (!rec.topLevel) continue;
      rec.values.forEach((v, index) => {
        const k = walker.layouts.to(v, 'keras');
        const output = g.unique(`debug/${rec.path}/${index}`);
        g.node('Identity', [k.name], {}, { name: `${output}/Identity`, outputs: [output] });
        g.addOutput({ name: output, dtype: 'float32', dims: dimsOf(v.shape) });
        debugOutputs.push({ layer: rec.path, className: rec.className, index, output, symbolic: rec.symbolic[index] });
      });
    }
  }

  const outputNames: { logits?: string; probabilities?: string; names: string[] } = { names: [] };
  if (classifier) {
    if (outs.length !== 1 || outs[0].shape.length !== 2) {
      throw new TinynetError('EXPORT_NOT_CLASSIFIER', `a tinynet classifier has one [N, classes] output; this model has ${JSON.stringify(outs.map((o) => o.shape))}`, 'export it as a plain tfjs model (--tfjs) instead');
    }
    // If the model ends in softmax, its input is the logits; otherwise the output is.
    const last = producers(g.graph).get(outs[0].name);
    let logits = outs[0].name;
    let probabilities: string;
    if (last && last.op === 'Softmax' && last.attrs.axis?.kind === 'int' && (last.attrs.axis.value === 1 || last.attrs.axis.value === -1)) {
      logits = last.inputs[0];
      probabilities = outs[0].name;
    } else {
      probabilities = g.op('Softmax', [logits], { axis: attr.int(1) }, 'probabilities/Softmax');
    }
    const dims = dimsOf(outs[0].shape);
    g.addOutput({ name: logits, dtype: 'float32', dims });
    g.addOutput({ name: probabilities, dtype: 'float32', dims });
    renameValue(g.graph, logits, 'logits');
    renameValue(g.graph, probabilities, 'probabilities');
    outputNames.logits = 'logits';
    outputNames.probabilities = 'probabilities';
    outputNames.names = ['logits', 'probabilities'];
  } else {
    const names = model.outputs.map((s, i) => ioName(s.sourceLayer.name) || `output_${i}`);
    outs.forEach((t, i) => {
      let name = names[i];
      if (names.indexOf(name) !== i) name = `${name}_${i}`;
      g.addOutput({ name, dtype: 'float32', dims: dimsOf(t.shape) });
      renameValue(g.graph, t.name, name);
      outputNames.names.push(name);
    });
  }
  // Debug outputs come after the real ones so consumers find logits/probabilities first.
  const nReal = outputNames.names.length;
  g.graph.outputs = [...g.graph.outputs.slice(-nReal), ...g.graph.outputs.slice(0, -nReal)];

  const passes = runPasses(g.graph, { foldBatchNorm: options.foldBatchNorm ?? true });

  const metadata = encodeMetadata({
    classes: dataset?.classes,
    input: head.contract,
    normalization: dataset?.normalization,
    outputs: outputNames,
    provenance: {
      ...(options.provenance ?? { source: 'tfjs' }),
      tinynet_version: TINYNET_VERSION,
      exported_at: options.provenance?.exported_at ?? new Date().toISOString(),
    },
  });
  const bytes = serializeModel(g.graph, {
    producerName: 'tinynet',
    producerVersion: TINYNET_VERSION,
    docString: `${model.name} exported from TensorFlow.js by tinynet ${TINYNET_VERSION}`,
    metadata,
  });
  return {
    bytes,
    inputs: g.graph.inputs,
    outputs: g.graph.outputs,
    input: mode,
    classifier,
    passes,
    nodeCount: g.graph.nodes.length,
    metadata,
    debugOutputs,
  };
}
