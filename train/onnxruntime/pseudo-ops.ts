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
    const channels = Number(tg.shape(x)[1]);
    const g = tg.g;
    const axes = attr.ints([0, 2, 3]);
    g.node('ReduceMean', [x], { axes, keepdims: attr.int(1) }, { name: `${s}/Mean`, outputs: [mean] });
    const count = g.op('Div', [g.op('Cast', [g.op('Size', [x], {}, `${s}/Size`)], { to: attr.int(1) }, `${s}/SizeFloat`), g.scalar(`${s}/channels`, channels)], {}, `${s}/Count`);
    const meanSquare = g.op('Div', [g.op('ReduceSumSquare', [x], { axes, keepdims: attr.int(1) }, `${s}/SumSquares`), count], {}, `${s}/MeanSquare`);
    const variance = g.op('Relu', [g.op('Sub', [meanSquare, g.op('Mul', [mean, mean], {}, `${s}/MeanSquared`)], {}, `${s}/VarianceRaw`)], {}, `${s}/Variance`);
    g.node('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(`${s}/eps`, eps)], {}, `${s}/AddEps`)], {}, `${s}/Std`)], {}, { name: `${s}/InvStd`, outputs: [invStd] });
    const flat = g.constInt64(`${s}/c`, [channels]);
    const meanC = g.op('Reshape', [mean, flat], {}, `${s}/MeanFlat`);
    const varC = g.op('Reshape', [variance, flat], {}, `${s}/VarianceFlat`);
    g.node('BatchNormalization', [x, gamma, beta, meanC, varC], { epsilon: attr.float(eps) }, { name: `${s}/Normalize`, outputs: [y] });
    const moving = (running: string, batch: string, out: string, tag: string) => {
      const kept = g.op('Mul', [running, g.scalar(`${s}/momentum`, momentum)], {}, `${s}/${tag}Kept`);
      const added = g.op('Mul', [batch, g.scalar(`${s}/one_minus_momentum`, 1 - momentum)], {}, `${s}/${tag}Added`);
      g.node('Add', [kept, added], {}, { name: `${s}/${tag}Next`, outputs: [out] });
    };
    moving(runMean, meanC, nextMean, 'Mean');
    moving(runVar, varC, nextVar, 'Var');
  },
  'tinynet.Gelu'(tg, node) {
    const g = tg.g;
    const [x] = node.inputs;
    const s = node.name;
    const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(`${s}/inv_sqrt2`, Math.SQRT1_2)], {}, `${s}/Scale`)], {}, `${s}/Erf`);
    const half = g.op('Mul', [g.op('Add', [erf, g.scalar(`${s}/one`, 1)], {}, `${s}/AddOne`), g.scalar(`${s}/half`, 0.5)], {}, `${s}/Cdf`);
    g.node('Mul', [x, half], {}, { name: `${s}/Gelu`, outputs: [node.outputs[0]] });
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
