/**
 * Ops that exist only while a training graph is built, so that each has one gradient builder with
 * the intermediates it needs, rewritten into standard ONNX before serialization:
 *   tinynet.BatchNormTraining (x, γ, β, running mean, running var) → y, next mean, next var, μ, 1/σ
 *   tinynet.Gelu (x) → x·½(1 + erf(x/√2))
 */
import { attr, type IrNode } from '../../onnx/ir.js';
import { floatAttr } from './gradients/registry.js';
import { PSEUDO_DOMAIN, type TrainGraph } from './graph.js';

type Lowering = (tg: TrainGraph, node: IrNode) => void;

/** Adds nodes writing exactly `node.outputs`; they run where the pseudo-op stood. */
const lowerings: Record<string, Lowering> = {
  'tinynet.BatchNormTraining'(tg, node) {
    // Two read-only reductions and one fused normalization: x − μ is never materialized (each
    // full pass over an activation costs milliseconds); var = E[x²] − μ², clamped at zero.
    const [x, gamma, beta, runMean, runVar] = node.inputs;
    const [y, nextMean, nextVar, mean, invStd] = node.outputs;
    const s = node.name;
    const eps = floatAttr(node, 'epsilon', 1e-3);
    const momentum = floatAttr(node, 'momentum', 0.99);
    const dims = tg.shape(x);
    const channels = Number(dims[1]);
    const pc = [1, channels, 1, 1];
    const axes = attr.ints([0, 2, 3]);
    tg.g.node('ReduceMean', [x], { axes, keepdims: attr.int(1) }, { name: `${s}/Mean`, outputs: [mean] });
    const count = tg.op(
      'Div',
      [tg.op('Cast', [tg.op('Size', [x], {}, [], `${s}/Size`)], { to: attr.int(1) }, [], `${s}/SizeFloat`), tg.scalar(`${s}/channels`, channels)],
      {},
      [],
      `${s}/Count`,
    );
    const meanSquare = tg.op('Div', [tg.op('ReduceSumSquare', [x], { axes, keepdims: attr.int(1) }, pc, `${s}/SumSquares`), count], {}, pc, `${s}/MeanSquare`);
    const variance = tg.op(
      'Relu',
      [tg.op('Sub', [meanSquare, tg.op('Mul', [mean, mean], {}, pc, `${s}/MeanSquared`)], {}, pc, `${s}/VarianceRaw`)],
      {},
      pc,
      `${s}/Variance`,
    );
    tg.g.node(
      'Reciprocal',
      [tg.op('Sqrt', [tg.op('Add', [variance, tg.scalar(`${s}/eps`, eps)], {}, pc, `${s}/AddEps`)], {}, pc, `${s}/Std`)],
      {},
      { name: `${s}/InvStd`, outputs: [invStd] },
    );
    const flat = tg.int64s(`${s}/c`, [channels]);
    const meanC = tg.op('Reshape', [mean, flat], {}, [channels], `${s}/MeanFlat`);
    const varC = tg.op('Reshape', [variance, flat], {}, [channels], `${s}/VarianceFlat`);
    tg.g.node('BatchNormalization', [x, gamma, beta, meanC, varC], { epsilon: attr.float(eps) }, { name: `${s}/Normalize`, outputs: [y] });
    const moving = (running: string, batch: string, out: string, tag: string) => {
      const kept = tg.op('Mul', [running, tg.scalar(`${s}/momentum`, momentum)], {}, [channels], `${s}/${tag}Kept`);
      const added = tg.op('Mul', [batch, tg.scalar(`${s}/one_minus_momentum`, 1 - momentum)], {}, [channels], `${s}/${tag}Added`);
      tg.g.node('Add', [kept, added], {}, { name: `${s}/${tag}Next`, outputs: [out] });
    };
    moving(runMean, meanC, nextMean, 'Mean');
    moving(runVar, varC, nextVar, 'Var');
  },
  'tinynet.Gelu'(tg, node) {
    const [x] = node.inputs;
    const s = node.name;
    const dims = tg.shape(x);
    const erf = tg.op('Erf', [tg.op('Mul', [x, tg.scalar(`${s}/inv_sqrt2`, Math.SQRT1_2)], {}, dims, `${s}/Scale`)], {}, dims, `${s}/Erf`);
    const half = tg.op('Mul', [tg.op('Add', [erf, tg.scalar(`${s}/one`, 1)], {}, dims, `${s}/AddOne`), tg.scalar(`${s}/half`, 0.5)], {}, dims, `${s}/Cdf`);
    tg.g.node('Mul', [x, half], {}, { name: `${s}/Gelu`, outputs: [node.outputs[0]] });
  },
};

/** Rewrite every pseudo-op in place (topological order kept); fails on one without a lowering. */
export function lowerPseudoOps(tg: TrainGraph): void {
  const graph = tg.g.graph;
  const original = graph.nodes;
  const result: IrNode[] = [];
  for (const node of original) {
    if (!node.op.startsWith(PSEUDO_DOMAIN)) {
      result.push(node);
      continue;
    }
    const lower = lowerings[node.op];
    if (!lower) throw new Error(`training graph: no lowering for ${node.op} (node ${node.name})`);
    graph.nodes = [];
    lower(tg, node);
    result.push(...graph.nodes);
  }
  graph.nodes = result;
}
