/**
 * tfjs LayersModel → ONNX bytes: input head, converters (via the walker), classifier outputs,
 * graph passes, metadata. No I/O here; export/run.ts writes files and verifies.
 */
import type * as tf from '@tensorflow/tfjs';
import { GraphBuilder } from '../onnx/builder.js';
import { attr, producers, renameValue, type IrGraph, type IrValueInfo } from '../onnx/ir.js';
import { serializeModel } from '../onnx/serialize.js';
import { runPasses } from './passes/index.js';
import { buildHead, dimsOf, ioName, type DatasetInfo, type InputMode } from './head.js';
import { ModelWalker } from './walk.js';
import { encodeMetadata, type Provenance } from '../core/onnx-metadata.js';
import { TINYNET_VERSION } from '../core/paths.js';
import { TinynetError } from '../core/errors.js';

export { INPUT_MODES, type InputMode, type DatasetInfo } from './head.js';

export interface ExportOptions {
  /** Default: uint8-nhwc for tinynet models (dataset given), float32-nhwc (the model's own input) otherwise. */
  input?: InputMode;
  foldBatchNorm?: boolean;
  /** Given for classifiers trained by tinynet: adds the uint8 head, logits + probabilities, labels. */
  dataset?: DatasetInfo;
  provenance?: Omit<Provenance, 'tinynet_version' | 'exported_at'> & { exported_at?: string };
  /** Also expose every layer's output (channels-last) as a graph output, for parity debugging. */
  debugOutputs?: boolean;
}

export interface DebugOutput {
  /** Layer path ('block/conv' inside nested models). */
  layer: string;
  className: string;
  /** Position in the walk's records (lines up with evaluateLayers in verify-layers.ts). */
  record: number;
  /** Index among the layer's outputs. */
  index: number;
  /** ONNX graph output name. */
  output: string;
}

export interface ExportResult {
  bytes: Uint8Array;
  inputs: IrValueInfo[];
  outputs: IrValueInfo[];
  input: InputMode;
  classifier: boolean;
  /** The source model's own output is already softmax probabilities (logits taken from before it). */
  endsWithSoftmax: boolean;
  passes: Record<string, number>;
  nodeCount: number;
  metadata: Record<string, string>;
  debugOutputs: DebugOutput[];
  /** The graph the bytes were serialized from, for the reduced-precision variants of export/precision/. */
  graph: IrGraph;
  docString: string;
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
    walker.layerOutputs.forEach((rec, record) => {
      rec.outputs.forEach((v, index) => {
        const k = walker.layouts.to(v, 'keras');
        const output = g.unique(`debug/${rec.path}/${index}`);
        g.node('Identity', [k.name], {}, { name: `${output}/Identity`, outputs: [output] });
        g.addOutput({ name: output, dtype: 'float32', dims: dimsOf(v.shape) });
        debugOutputs.push({ layer: rec.path, className: rec.className, record, index, output });
      });
    });
  }

  let endsWithSoftmax = false;
  const outputNames: { logits?: string; probabilities?: string; names: string[] } = { names: [] };
  if (classifier) {
    if (outs.length !== 1 || outs[0].shape.length !== 2) {
      throw new TinynetError(
        'export.not_classifier',
        `a tinynet classifier has one [N, classes] output; this model has ${JSON.stringify(outs.map((o) => o.shape))}`,
        'export it as a plain tfjs model (--tfjs) instead',
      );
    }
    // If the model ends in softmax, its input is the logits; otherwise the output is.
    const last = producers(g.graph).get(outs[0].name);
    let logits = outs[0].name;
    let probabilities: string;
    if (last && last.op === 'Softmax' && last.attrs.axis?.kind === 'int' && (last.attrs.axis.value === 1 || last.attrs.axis.value === -1)) {
      logits = last.inputs[0];
      probabilities = outs[0].name;
      endsWithSoftmax = true;
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
  const docString = `${model.name} exported from TensorFlow.js by tinynet ${TINYNET_VERSION}`;
  const bytes = serializeModel(g.graph, { producerName: 'tinynet', producerVersion: TINYNET_VERSION, docString, metadata });
  return {
    bytes,
    inputs: g.graph.inputs,
    outputs: g.graph.outputs,
    input: mode,
    classifier,
    endsWithSoftmax,
    passes,
    nodeCount: g.graph.nodes.length,
    metadata,
    debugOutputs,
    graph: g.graph,
    docString,
  };
}
