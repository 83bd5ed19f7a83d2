/**
 * Rewrites a lowered training graph to onnxruntime's blocked NCHWc layout ([N, C/B, H, W, B]
 * in memory, B = MLAS's block: 16 with AVX-512, 8 with AVX2), where MLAS runs its fast direct
 * convolutions. onnxruntime applies that layout itself only to convolutions whose weights are
 * constants; a training step feeds its weights, so this pass does it: convolutions become
 * com.microsoft.nchwc Convs with their filters reordered in the graph, per-channel affines
 * (BatchNormalization) become depthwise 1×1 NCHWc Convs, and the ops between them read blocked
 * values through 5-D views. Any other consumer of a blocked value gets it back in NCHW
 * (ReorderOutput), so the rewrite is always correct; the rules only decide where it is fast.
 */
import { attr, type Attr, type IrNode } from '../../../onnx/ir.js';
import type { Dims, TrainGraph } from '../graph.js';
import { floatAttr, intAttr, intsAttr } from '../gradients/registry.js';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

const ELEMENTWISE = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Sum',
  'Where',
  'Relu',
  'Neg',
  'Cast',
  'Sign',
  'Greater',
  'Elu',
  'Selu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Erf',
  'Exp',
  'Sqrt',
  'Reciprocal',
]);
const REDUCTIONS = new Set(['ReduceMean', 'ReduceSum', 'ReduceSumSquare']);
/** Ops that read only their input's shape. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

export function rewriteToNchwc(tg: TrainGraph, block: number): { convs: number; reorders: number } {
  const graph = tg.g.graph;
  const blocked = new Set<string>();
  const toPlain = new Map<string, string>();
  const toBlocked = new Map<string, string>();
  const out: IrNode[] = [];
  let convs = 0;
  let reorders = 0;
  const known = (v: string): Dims | null => {
    try {
      return tg.shape(v);
    } catch {
      return null;
    }
  };
  const emit = (op: string, inputs: string[], attrs: Record<string, Attr>, name: string, outputs: string[], domain?: string) => {
    out.push({ op, name: tg.g.unique(name), inputs, outputs, attrs, ...(domain ? { domain } : {}) });
  };
  const value = (op: string, inputs: string[], attrs: Record<string, Attr>, name: string, dims: Dims, domain?: string) => {
    const o = tg.setShape(tg.g.unique(`${name}:out`), dims);
    emit(op, inputs, attrs, name, [o], domain);
    return o;
  };
  const ints = (base: string, v: number[]) => tg.int64s(base, v);
  const channelsOk = (d: Dims | null): d is Dims =>
    d !== null && d.length === 4 && typeof d[1] === 'number' && d[1] % block === 0 && typeof d[2] === 'number' && typeof d[3] === 'number';
  const plain = (v: string): string => {
    if (!blocked.has(v)) return v;
    let p = toPlain.get(v);
    if (!p) {
      p = value('ReorderOutput', [v], { channels: attr.int(Number(tg.shape(v)[1])) }, `${v}/to_nchw`, tg.shape(v), NCHWC_DOMAIN);
      toPlain.set(v, p);
      reorders++;
    }
    return p;
  };
  const asBlocked = (v: string): string => {
    if (blocked.has(v)) return v;
    let b = toBlocked.get(v);
    if (!b) {
      b = value('ReorderInput', [v], {}, `${v}/to_nchwc`, tg.shape(v), NCHWC_DOMAIN);
      blocked.add(b);
      toBlocked.set(v, b);
      reorders++;
    }
    return b;
  };
  /** The 5-D view [N, C/B, H, W, B] of a blocked 4-D value (Reshape aliases, it copies nothing). */
  const view5 = (v: string, dims: Dims, tag: string) => {
    const [n, c, h, w] = dims;
    const target = [n === 'N' ? 0 : Number(n), Number(c) / block, Number(h), Number(w), block];
    return value('Reshape', [v, ints(`${tag}/shape5`, target)], {}, `${tag}/View5`, [n, Number(c) / block, h, w, block]);
  };
  const back4 = (v: string, dims: Dims, name: string, output: string) => {
    const target = dims.map((d) => (d === 'N' ? 0 : Number(d)));
    emit('Reshape', [v, ints(`${name}/shape4`, target)], {}, `${name}/View4`, [output]);
  };
  // Transposes and pads of blocked values (the filter gradient's NHWC copies) fall back to
  // ReorderOutput + the plain op: MLAS's reorder and the 4-D kernels beat one 5-D Transpose.
  /** Reorder a [Co, Ci, kh, kw] filter value for MLAS: OIHWBiBo, or OIHWBo when the input is plain NCHW (Ci < B). */
  const reorderFilter = (w: string, dims: number[], plainInput: boolean, tag: string) => {
    const [co, ci, kh, kw] = dims;
    const split = plainInput ? [co / block, block, ci, kh, kw] : [co / block, block, ci / block, block, kh, kw];
    const perm = plainInput ? [0, 2, 3, 4, 1] : [0, 2, 4, 5, 3, 1];
    const t = value(
      'Transpose',
      [value('Reshape', [w, ints(`${tag}/split`, split)], {}, `${tag}/Split`, split)],
      { perm: attr.ints(perm) },
      `${tag}/Reorder`,
      perm.map((p) => split[p]),
    );
    return value('Reshape', [t, ints(`${tag}/oihw`, dims)], {}, `${tag}/Filter`, dims);
  };

  for (const node of graph.nodes) {
    if (node.domain) {
      out.push({ ...node, inputs: node.inputs.map(plain) });
      continue;
    }
    const anyBlocked = node.inputs.some((i) => blocked.has(i));
    const outDims = known(node.outputs[0]);

    if (node.op === 'Conv') {
      const [x, w, b] = node.inputs;
      const wd = known(w);
      const xd = known(x);
      const group = intAttr(node, 'group', 1);
      if (
        group === 1 &&
        wd &&
        xd &&
        typeof wd[0] === 'number' &&
        wd[0] % block === 0 &&
        channelsOk(outDims) &&
        typeof wd[1] === 'number' &&
        (wd[1] % block === 0 || (wd[1] < block && !blocked.has(x)))
      ) {
        const plainInput = wd[1] % block !== 0;
        const filter = reorderFilter(w, wd as number[], plainInput, `${node.name}/nchwc`);
        emit('Conv', [plainInput ? x : asBlocked(x), filter, ...(b ? [b] : [])], node.attrs, node.name, node.outputs, NCHWC_DOMAIN);
        node.outputs.forEach((o) => {
          blocked.add(o);
        });
        convs++;
        continue;
      }
    }

    if (node.op === 'BatchNormalization' && node.outputs.length === 1 && blocked.has(node.inputs[0]) && channelsOk(outDims)) {
      // y = a·x + (β − μ·a), a = γ/√(σ² + ε): a depthwise 1×1 NCHWc Conv with a bias.
      const [x, scale, bias, mean, variance] = node.inputs;
      const c = Number(outDims[1]);
      const s = node.name;
      const eps = floatAttr(node, 'epsilon', 1e-5);
      const a = value(
        'Div',
        [scale, value('Sqrt', [value('Add', [variance, tg.scalar(`${s}/eps`, eps)], {}, `${s}/AddEps`, [c])], {}, `${s}/Std`, [c])],
        {},
        `${s}/A`,
        [c],
      );
      const shift = value('Sub', [bias, value('Mul', [mean, a], {}, `${s}/MeanA`, [c])], {}, `${s}/Shift`, [c]);
      const filter = value('Reshape', [a, ints(`${s}/dw`, [c, 1, 1, 1])], {}, `${s}/DepthwiseFilter`, [c, 1, 1, 1]);
      emit('Conv', [x, filter, shift], { group: attr.int(c), kernel_shape: attr.ints([1, 1]) }, s, node.outputs, NCHWC_DOMAIN);
      blocked.add(node.outputs[0]);
      convs++;
      continue;
    }

    if (anyBlocked && ELEMENTWISE.has(node.op) && channelsOk(outDims)) {
      const full = (i: string) => known(i)?.join() === outDims.join();
      const scalarLike = (i: string) => (known(i) ?? [0]).reduce<number>((p, d) => p * (d === 'N' ? 2 : Number(d)), 1) === 1;
      const perChannel = (i: string) => {
        const d = known(i);
        return d !== null && d.length === 4 && d[1] === outDims[1] && d[2] === 1 && d[3] === 1 && !full(i);
      };
      if (node.inputs.every((i) => full(i) || scalarLike(i) || perChannel(i))) {
        if (!node.inputs.some(perChannel)) {
          emit(
            node.op,
            node.inputs.map((i) => (full(i) ? asBlocked(i) : i)),
            node.attrs,
            node.name,
            node.outputs,
          );
        } else {
          const inputs = node.inputs.map((i, k) =>
            full(i) ? view5(asBlocked(i), outDims, `${node.name}/in${k}`) : perChannel(i) ? view5(i, known(i)!, `${node.name}/in${k}`) : i,
          );
          const o5 = value(node.op, inputs, node.attrs, `${node.name}/5d`, [outDims[0], Number(outDims[1]) / block, outDims[2], outDims[3], block]);
          back4(o5, outDims, node.name, node.outputs[0]);
        }
        blocked.add(node.outputs[0]);
        continue;
      }
    }

    if (REDUCTIONS.has(node.op) && blocked.has(node.inputs[0]) && outDims) {
      // Per-channel reductions as two contiguous ones: over H·W inside each block ([N·C/B, H·W, B],
      // keep-reduce-keep), then over the batch; a single 5-D reduction keeping axes 1 and 4 is slow.
      const x = node.inputs[0];
      const [, c, h, w] = tg.shape(x);
      const axes = ((node.op === 'ReduceSum' ? constInts(tg, node.inputs[1]) : intsAttr(node, 'axes', [])) ?? []).slice().sort().join();
      if (axes === '0,2,3' || axes === '2,3') {
        const s = node.name;
        const reduce = (op: string, v: string, axis: number, dims: Dims, tag: string) =>
          op === 'ReduceSum'
            ? value('ReduceSum', [v, ints(`${s}/${tag}_axes`, [axis])], { keepdims: attr.int(0) }, `${s}/${tag}`, dims)
            : value(op, [v], { axes: attr.ints([axis]), keepdims: attr.int(0) }, `${s}/${tag}`, dims);
        const rows = value('Reshape', [x, ints(`${s}/rows`, [-1, Number(h) * Number(w), block])], {}, `${s}/Rows`, ['N', Number(h) * Number(w), block]);
        const spatial = reduce(node.op, rows, 1, ['N', block], 'Spatial');
        const perImage = value('Reshape', [spatial, ints(`${s}/per_image`, [-1, Number(c)])], {}, `${s}/PerImage`, ['N', Number(c)]);
        const overBatch = axes === '0,2,3' ? reduce(node.op === 'ReduceMean' ? 'ReduceMean' : 'ReduceSum', perImage, 0, [Number(c)], 'Batch') : perImage;
        const target = outDims.map((d) => (d === 'N' ? -1 : Number(d)));
        emit('Reshape', [overBatch, ints(`${s}/shape`, target)], {}, `${s}/Reshape`, node.outputs);
        continue;
      }
    }

    if (SHAPE_ONLY.has(node.op)) {
      out.push(node);
      continue;
    }
    out.push({ ...node, inputs: node.inputs.map(plain) });
  }
  const leaked = graph.outputs.find((o) => blocked.has(o.name));
  if (leaked) throw new Error(`NCHWc rewrite: graph output ${leaked.name} would be blocked`);
  graph.nodes = fuseAffineActivations(out, new Set(graph.outputs.map((o) => o.name)));
  // Constants only the replaced nodes read (their axes, pads) would make onnxruntime warn at load.
  const read = new Set(out.flatMap((n) => n.inputs));
  for (const name of [...graph.initializers.keys()]) if (!read.has(name)) graph.initializers.delete(name);
  return { convs, reorders };
}

/**
 * BatchNorm's affine (a depthwise 1×1 NCHWc Conv) followed by ReLU, or by a residual Add and then
 * ReLU, becomes one NCHWc Conv with MLAS's fused activation and Sum input: two or three full
 * passes over the activation become one. Only where the intermediate values have no other reader
 * (the backward pass reads the ReLU's output, never what came before it).
 */
function fuseAffineActivations(nodes: IrNode[], graphOutputs: Set<string>): IrNode[] {
  const readers = new Map<string, IrNode[]>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const only = (v: string): IrNode | null => {
    const r = readers.get(v) ?? [];
    return r.length === 1 && !graphOutputs.has(v) ? r[0] : null;
  };
  const removed = new Set<IrNode>();
  for (const conv of nodes) {
    if (conv.domain !== NCHWC_DOMAIN || conv.op !== 'Conv' || intAttr(conv, 'group', 1) === 1 || conv.attrs.activation || conv.inputs.length > 3) continue;
    const next = only(conv.outputs[0]);
    // An Add of two affines (a block with a projection shortcut) is fused into one of them only.
    if (!next || removed.has(next)) continue;
    if (next.op === 'Relu') {
      conv.outputs = [next.outputs[0]];
      conv.attrs = { ...conv.attrs, activation: attr.string('Relu') };
      removed.add(next);
      continue;
    }
    if (next.op === 'Add' && next.inputs.length === 2 && next.inputs[0] !== next.inputs[1]) {
      const relu = only(next.outputs[0]);
      if (relu?.op !== 'Relu') continue;
      // An Add reading the conv directly is a full-shape one, so its other input is blocked too.
      const sum = next.inputs[0] === conv.outputs[0] ? next.inputs[1] : next.inputs[0];
      conv.inputs = [...conv.inputs.slice(0, 2), conv.inputs[2] ?? '', sum];
      conv.outputs = [relu.outputs[0]];
      conv.attrs = { ...conv.attrs, activation: attr.string('Relu') };
      removed.add(next);
      removed.add(relu);
    }
  }
  return nodes.filter((n) => !removed.has(n));
}

/** The int64 values of a constant initializer, or null. */
function constInts(tg: TrainGraph, name: string | undefined): number[] | null {
  if (!name) return null;
  const t = tg.g.graph.initializers.get(name);
  return t && t.dtype === 'int64' ? Array.from(t.data as BigInt64Array, Number) : null;
}
