/**
 * Fold BatchNormalization into the convolution that feeds it: W' = W·a, b' = (b − mean)·a + beta with
 * a = gamma / √(var + ε) per output channel. Computed in float64, rounded once to float32.
 * Only when the conv output feeds nothing else (otherwise the unfolded value is still needed).
 */
import { producers, useCounts, type IrGraph, type IrTensor } from '../../onnx/ir.js';

function floatInit(graph: IrGraph, name: string): Float32Array | undefined {
  const t = graph.initializers.get(name);
  return t && t.dtype === 'float32' ? (t.data as Float32Array) : undefined;
}

export function foldBatchNorm(graph: IrGraph): number {
  const prod = producers(graph);
  const uses = useCounts(graph);
  const removed = new Set<string>();
  let folded = 0;
  for (const bn of graph.nodes) {
    if (bn.op !== 'BatchNormalization') continue;
    const conv = prod.get(bn.inputs[0]);
    if (!conv || (conv.op !== 'Conv' && conv.op !== 'ConvTranspose') || uses.get(bn.inputs[0]) !== 1) continue;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((n) => floatInit(graph, n));
    const weight = graph.initializers.get(conv.inputs[1]);
    if (!gamma || !beta || !mean || !variance || !weight || weight.dtype !== 'float32') continue;
    if (uses.get(conv.inputs[1]) !== 1 || (conv.inputs[2] && uses.get(conv.inputs[2]) !== 1)) continue;
    const eps = bn.attrs.epsilon?.kind === 'float' ? bn.attrs.epsilon.value : 1e-5;
    const c = mean.length;
    const a = new Float64Array(c);
    for (let i = 0; i < c; i++) a[i] = gamma[i] / Math.sqrt(variance[i] + eps);

    // Conv weight is [out, in/g, kh, kw]; ConvTranspose weight is [in, out/g, kh, kw] (group 1 here).
    const w = weight.data as Float32Array;
    const newW = new Float32Array(w.length);
    if (conv.op === 'Conv') {
      const per = w.length / c;
      for (let o = 0; o < c; o++) for (let j = 0; j < per; j++) newW[o * per + j] = w[o * per + j] * a[o];
    } else {
      const group = conv.attrs.group?.kind === 'int' ? conv.attrs.group.value : 1;
      if (group !== 1) continue;
      const [cin, cout] = weight.dims;
      const spatial = w.length / (cin * cout);
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          for (let j = 0; j < spatial; j++) {
            const k = (i * cout + o) * spatial + j;
            newW[k] = w[k] * a[o];
          }
    }
    const bias = conv.inputs[2] ? floatInit(graph, conv.inputs[2]) : undefined;
    const newB = new Float32Array(c);
    for (let o = 0; o < c; o++) newB[o] = ((bias ? bias[o] : 0) - mean[o]) * a[o] + beta[o];

    graph.initializers.set(conv.inputs[1], { ...weight, data: newW } as IrTensor);
    const biasName = conv.inputs[2] || `${conv.name}/folded_bias`;
    graph.initializers.set(biasName, { dtype: 'float32', dims: [c], data: newB });
    conv.inputs[2] = biasName;
    // The conv now produces the BN's output value directly.
    conv.outputs[0] = bn.outputs[0];
    removed.add(bn.name);
    folded++;
  }
  graph.nodes = graph.nodes.filter((n) => !removed.has(n.name));
  return folded;
}
