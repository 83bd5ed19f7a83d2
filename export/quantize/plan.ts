/**
 * Which values of a float inference graph a QDQ model quantizes, decided on the graph alone
 * (before calibration, so only those values are calibrated). The rules follow what onnxruntime
 * fuses into integer kernels on CPU: DequantizeLinear → op → QuantizeLinear around Conv, Gemm,
 * MatMul, Add, Mul, pooling and the unary activations it has QLinear forms of; layout ops and
 * MaxPool move int8 values unchanged, so their output reuses their input's scale. A ReLU right
 * after Conv/Gemm/MatMul/Add is folded away: the output's range is the ReLU's (min 0), and the
 * zero point at the bottom of the integer range clamps negatives exactly as the ReLU did.
 */
import { useCounts, type IrGraph, type IrNode } from '../../onnx/ir.js';

/** Ops with a weight initializer as input 1 (and Gemm's optional bias as input 2). */
const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul']);
/** Ops on activations only, each with its own output range. */
const ACTIVATION_OPS = new Set(['Add', 'Mul', 'GlobalAveragePool', 'AveragePool', 'LeakyRelu', 'Sigmoid', 'Relu']);
/** Ops whose int8 output is their int8 input moved or picked: same scale and zero point. */
const SAME_SCALE = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity']);
/** Ops that compute nothing worth quantizing (layout, the final Softmax, dtype casts). */
const NOT_COMPUTE = new Set(['Cast', 'Softmax', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity']);
const RELU_FOLDS_INTO = new Set(['Conv', 'Gemm', 'MatMul', 'Add']);
/** The uint8 input head (Cast + normalization) stays float: it feeds the first QuantizeLinear. */
const INPUT_HEAD = 'preprocess/';

export type NodeRole = 'weighted' | 'activation' | 'same-scale' | 'float';

export interface QdqPlan {
  /** The graph to rewrite: a copy of the float graph with foldable ReLUs removed. */
  graph: IrGraph;
  roles: Map<IrNode, NodeRole>;
  /** Each quantized value → the value whose calibrated range sets its scale (itself, or a same-scale op's input). */
  quantized: Map<string, string>;
  /** The values calibration must measure (names of the float graph). */
  calibrate: string[];
  /** Ops left in float because the quantizer has no int8 form for them: op type → count. */
  leftInFloat: Record<string, number>;
}

function cloneGraph(graph: IrGraph): IrGraph {
  return {
    name: graph.name,
    nodes: graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    initializers: new Map(graph.initializers),
    inputs: graph.inputs.map((i) => ({ ...i })),
    outputs: graph.outputs.map((o) => ({ ...o })),
  };
}

/** Remove each ReLU whose input comes only from a foldable op; that op then writes the ReLU's output. */
function foldRelus(graph: IrGraph): void {
  const uses = useCounts(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const producer = new Map<string, IrNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const drop = new Set<IrNode>();
  for (const relu of graph.nodes) {
    if (relu.op !== 'Relu') continue;
    const src = producer.get(relu.inputs[0]);
    if (!src || !RELU_FOLDS_INTO.has(src.op) || uses.get(relu.inputs[0]) !== 1 || outputs.has(relu.inputs[0]) || !isQuantizable(src, graph)) continue;
    src.outputs[0] = relu.outputs[0];
    drop.add(relu);
  }
  graph.nodes = graph.nodes.filter((n) => !drop.has(n));
}

function isInitializer(graph: IrGraph, name: string): boolean {
  return graph.initializers.has(name);
}

function isQuantizable(node: IrNode, graph: IrGraph): boolean {
  if (node.name.startsWith(INPUT_HEAD)) return false;
  if (WEIGHTED.has(node.op)) {
    const w = graph.initializers.get(node.inputs[1]);
    if (w?.dtype !== 'float32' || isInitializer(graph, node.inputs[0])) return false;
    if (node.op === 'Gemm') {
      const a = node.attrs;
      const one = (k: string) => !a[k] || (a[k].kind === 'float' && a[k].value === 1);
      const zero = (k: string) => !a[k] || (a[k].kind === 'int' && a[k].value === 0);
      if (!one('alpha') || !one('beta') || !zero('transA')) return false;
    }
    const bias = node.inputs[2];
    return !bias || graph.initializers.get(bias)?.dtype === 'float32';
  }
  if (ACTIVATION_OPS.has(node.op)) return node.inputs.every((i) => i !== '' && !isInitializer(graph, i));
  return false;
}

export function planQdq(floatGraph: IrGraph): QdqPlan {
  const graph = cloneGraph(floatGraph);
  foldRelus(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const roles = new Map<IrNode, NodeRole>();
  const quantized = new Map<string, string>();
  const leftInFloat: Record<string, number> = {};
  const mark = (value: string, source: string) => {
    if (!quantized.has(value)) quantized.set(value, source);
  };
  for (const node of graph.nodes) {
    const out = node.outputs[0];
    if (isQuantizable(node, graph)) {
      const role: NodeRole = WEIGHTED.has(node.op) ? 'weighted' : 'activation';
      roles.set(node, role);
      const acts = role === 'weighted' ? [node.inputs[0]] : node.inputs;
      for (const a of acts) mark(a, quantized.get(a) ?? a);
      if (!outputs.has(out)) mark(out, out);
    } else if (SAME_SCALE.has(node.op) && quantized.has(node.inputs[0]) && !outputs.has(out)) {
      roles.set(node, 'same-scale');
      mark(out, quantized.get(node.inputs[0])!);
    } else {
      roles.set(node, 'float');
      if (!node.name.startsWith(INPUT_HEAD) && !NOT_COMPUTE.has(node.op) && !SAME_SCALE.has(node.op)) leftInFloat[node.op] = (leftInFloat[node.op] ?? 0) + 1;
    }
  }
  return { graph, roles, quantized, calibrate: [...new Set(quantized.values())], leftInFloat };
}
