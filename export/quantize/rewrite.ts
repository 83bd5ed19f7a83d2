/**
 * Rewrites a planned float graph into a QDQ graph: one QuantizeLinear after each quantized value,
 * one DequantizeLinear per reader (onnxruntime groups each reader with its own DequantizeLinear
 * when it fuses), weights and biases stored as integers behind their DequantizeLinear. The result
 * is a standard ONNX graph: any runtime can run it in float, onnxruntime runs the groups as
 * integer kernels.
 */
import type { IrGraph, IrNode, IrTensor } from '../../onnx/ir.js';
import { attr } from '../../onnx/ir.js';
import { computeQuantParams, type QuantParams, type QuantType } from './arithmetic.js';
import type { QdqPlan } from './plan.js';
import type { Range } from './calibrators/index.js';
import { quantizeBias, quantizeWeightsPerChannel } from './weights.js';

export interface RewriteOptions {
  activations: QuantType;
}

class Names {
  private readonly used = new Set<string>();
  constructor(graph: IrGraph) {
    for (const n of graph.nodes) for (const v of [n.name, ...n.inputs, ...n.outputs]) this.used.add(v);
    for (const k of graph.initializers.keys()) this.used.add(k);
    for (const v of [...graph.inputs, ...graph.outputs]) this.used.add(v.name);
  }
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

const scalar = (dtype: 'float32', v: number): IrTensor => ({ dtype, dims: [], data: Float32Array.of(v) });
const zeroPointTensor = (p: QuantParams): IrTensor =>
  p.type === 'uint8' ? { dtype: 'uint8', dims: [], data: Uint8Array.of(p.zeroPoint) } : { dtype: 'int8', dims: [], data: Int8Array.of(p.zeroPoint) };

export function rewriteQdq(plan: QdqPlan, ranges: Map<string, Range>, opts: RewriteOptions): IrGraph {
  const graph = plan.graph;
  const names = new Names(graph);
  const inits = new Map(graph.initializers);
  const params = new Map<string, { params: QuantParams; scale: string; zeroPoint: string; q: string }>();
  for (const [value, source] of plan.quantized) {
    const r = ranges.get(source);
    if (!r) throw new Error(`no calibrated range for "${source}"`);
    const existing = [...params.entries()].find(([v]) => plan.quantized.get(v) === source);
    if (existing) {
      params.set(value, { ...existing[1], q: names.unique(`${value}/q`) });
      continue;
    }
    const p = computeQuantParams(r.min, r.max, opts.activations, false);
    const scale = names.unique(`${source}/scale`);
    const zeroPoint = names.unique(`${source}/zero_point`);
    inits.set(scale, scalar('float32', p.scale));
    inits.set(zeroPoint, zeroPointTensor(p));
    params.set(value, { params: p, scale, zeroPoint, q: names.unique(`${value}/q`) });
  }

  const nodes: IrNode[] = [];
  const quantizeNode = (value: string) => {
    const p = params.get(value)!;
    nodes.push({ op: 'QuantizeLinear', name: names.unique(`${value}/QuantizeLinear`), inputs: [value, p.scale, p.zeroPoint], outputs: [p.q], attrs: {} });
  };
  const dequantize = (value: string): string => {
    const p = params.get(value)!;
    const out = names.unique(`${value}/dq`);
    nodes.push({ op: 'DequantizeLinear', name: names.unique(`${value}/DequantizeLinear`), inputs: [p.q, p.scale, p.zeroPoint], outputs: [out], attrs: {} });
    return out;
  };
  const dequantizeConst = (base: string, tensor: IrTensor, scales: Float32Array, axis: number): string => {
    const q = names.unique(`${base}/quantized`);
    const s = names.unique(`${base}/scale`);
    const z = names.unique(`${base}/zero_point`);
    inits.set(q, tensor);
    inits.set(s, { dtype: 'float32', dims: [scales.length], data: scales });
    inits.set(
      z,
      tensor.dtype === 'int32'
        ? { dtype: 'int32', dims: [scales.length], data: new Int32Array(scales.length) }
        : { dtype: 'int8', dims: [scales.length], data: new Int8Array(scales.length) },
    );
    const out = names.unique(`${base}/dq`);
    nodes.push({ op: 'DequantizeLinear', name: names.unique(`${base}/DequantizeLinear`), inputs: [q, s, z], outputs: [out], attrs: { axis: attr.int(axis) } });
    return out;
  };

  for (const input of graph.inputs) if (params.has(input.name)) quantizeNode(input.name);
  for (const node of graph.nodes) {
    const role = plan.roles.get(node) ?? 'float';
    const inputs = node.inputs.map((i) => (i !== '' && params.has(i) ? dequantize(i) : i));
    if (role === 'weighted') {
      const w = graph.initializers.get(node.inputs[1])!;
      const transB = node.attrs.transB?.kind === 'int' && node.attrs.transB.value === 1;
      const axis = node.op === 'Conv' || (node.op === 'Gemm' && transB) ? 0 : 1;
      const qw = quantizeWeightsPerChannel(w, axis);
      inputs[1] = dequantizeConst(node.inputs[1], { dtype: 'int8', dims: w.dims, data: qw.data }, qw.scales, axis);
      const biasName = node.inputs[2];
      const bias = biasName ? graph.initializers.get(biasName) : undefined;
      if (bias && bias.dims.length === 1 && bias.dims[0] === qw.scales.length) {
        const qb = quantizeBias(bias.data as Float32Array, params.get(node.inputs[0])!.params.scale, qw.scales);
        inputs[2] = dequantizeConst(biasName, { dtype: 'int32', dims: bias.dims, data: qb.data }, qb.scales, 0);
      }
    }
    nodes.push({ ...node, inputs });
    for (const out of node.outputs) if (params.has(out)) quantizeNode(out);
  }

  const read = new Set(nodes.flatMap((n) => n.inputs));
  for (const k of [...inits.keys()]) if (!read.has(k)) inits.delete(k);
  return { ...graph, nodes, initializers: inits };
}
