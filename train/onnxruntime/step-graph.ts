/**
 * The two graphs the onnxruntime engine runs: a training step (forward in training mode, loss,
 * backward; outputs the loss, the logits, every trainable weight's gradient and the next running
 * statistics) and an evaluation pass (inference-mode forward, logits). Weights are inputs of both.
 */
import type * as tf from '@tensorflow/tfjs';
import { renameValue, type IrGraph } from '../../onnx/ir.js';
import { serializeModel } from '../../onnx/serialize.js';
import { TINYNET_VERSION } from '../../core/paths.js';
import { buildBackward } from './autodiff.js';
import { buildForward, type ForwardGraph } from './forward.js';
import { PSEUDO_DOMAIN, type TrainGraph } from './graph.js';
import { addLoss, LOSS_OUTPUT } from './loss.js';
import { lowerPseudoOps } from './pseudo-ops.js';
import { rewriteToNchwc } from './passes/nchwc.js';

export const LOGITS_OUTPUT = 'logits';

export const gradientOutput = (weight: string) => `grad:${weight}`;
export const nextStateOutput = (weight: string) => `next:${weight}`;

export interface BuiltGraph {
  forward: ForwardGraph;
  graph: IrGraph;
  bytes: Uint8Array;
}

/** Give `value` the graph-output name `name` (renamed in place when nothing else claims it). */
function exposeAs(tg: TrainGraph, value: string, name: string, claimed: Set<string>): void {
  const isInput = tg.g.graph.inputs.some((i) => i.name === value) || tg.g.graph.initializers.has(value);
  if (isInput || claimed.has(value)) {
    tg.g.node('Identity', [value], {}, { name: `${name}/Identity`, outputs: [name] });
  } else {
    renameValue(tg.g.graph, value, name);
    claimed.add(name);
  }
  tg.setShape(name, tg.shape(value));
  tg.g.addOutput({ name, dtype: 'float32', dims: tg.shape(value) });
}

export interface GraphOptions {
  /** Rewrite to onnxruntime's NCHWc layout with this block size (CPU provider); absent = plain NCHW. */
  nchwcBlock?: number | null;
}

function finish(tg: TrainGraph, opts: GraphOptions): Uint8Array {
  lowerPseudoOps(tg);
  const left = tg.g.graph.nodes.find((n) => n.op.startsWith(PSEUDO_DOMAIN));
  if (left) throw new Error(`training graph: pseudo-op ${left.op} left after lowering`);
  if (opts.nchwcBlock) rewriteToNchwc(tg, opts.nchwcBlock);
  return serializeModel(tg.g.graph, { producerName: 'tinynet-train', producerVersion: TINYNET_VERSION, metadata: {} });
}

export function buildTrainGraph(model: tf.LayersModel, opts: GraphOptions = {}): BuiltGraph {
  const forward = buildForward(model, 'train');
  const { tg } = forward;
  const { dLogits } = addLoss(tg, forward.logits, forward.numClasses);
  const trainable = forward.weights.filter((w) => w.trainable);
  const grads = buildBackward(
    tg,
    new Map([[forward.logits, dLogits]]),
    trainable.map((w) => w.input),
  );
  const claimed = new Set<string>([LOSS_OUTPUT]);
  tg.g.addOutput({ name: LOSS_OUTPUT, dtype: 'float32', dims: [] });
  exposeAs(tg, forward.logits, LOGITS_OUTPUT, claimed);
  for (const w of trainable) {
    const g = grads.get(w.input);
    if (!g) throw new Error(`weight ${w.name} does not reach the loss: nothing to train it with`);
    exposeAs(tg, g, gradientOutput(w.name), claimed);
  }
  for (const u of forward.updates) exposeAs(tg, u.output, nextStateOutput(u.weight), claimed);
  const bytes = finish(tg, opts);
  return { forward, graph: tg.g.graph, bytes };
}

export function buildEvalGraph(model: tf.LayersModel, opts: GraphOptions = {}): BuiltGraph {
  const forward = buildForward(model, 'eval');
  exposeAs(forward.tg, forward.logits, LOGITS_OUTPUT, new Set());
  const bytes = finish(forward.tg, opts);
  return { forward, graph: forward.tg.g.graph, bytes };
}

/** How many nodes of each op a graph holds (for logs and the refusal message). */
export function opHistogram(graph: IrGraph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of graph.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
}
