/**
 * Ops that exist only while a training graph is built, so that each has one gradient builder with
 * the intermediates it needs, rewritten into standard ONNX before serialization:
 *   tinynet.BatchNormTraining (x, γ, β, running mean, running var) → y, next mean, next var, x − μ, 1/σ
 *   tinynet.Gelu (x) → x·½(1 + erf(x/√2))
 */
import { attr, type IrNode } from '../../onnx/ir.js';
import { floatAttr } from './gradients/registry.js';
import { PSEUDO_DOMAIN, type TrainGraph } from './graph.js';

type Lowering = (tg: TrainGraph, node: IrNode) => void;

/** Adds nodes writing exactly `node.outputs`; they run where the pseudo-op stood. */
const lowerings: Record<string, Lowering> = {
  'tinynet.BatchNormTraining'(tg, node) {
    const [x, gamma, beta, runMean, runVar] = node.inputs;
    const [y, nextMean, nextVar, xc, invStd] = node.outputs;
    const s = node.name;
    const eps = floatAttr(node, 'epsilon', 1e-3);
    const momentum = floatAttr(node, 'momentum', 0.99);
    const dims = tg.shape(x);
    const channels = Number(dims[1]);
    const perChannel = [1, channels, 1, 1];
    const g = tg.g;
    const mean = g.op('ReduceMean', [x], { axes: attr.ints([0, 2, 3]), keepdims: attr.int(1) }, `${s}/Mean`);
    g.node('Sub', [x, mean], {}, { name: `${s}/Centre`, outputs: [xc] });
    const count = g.op('Div', [g.op('Cast', [g.op('Size', [x], {}, `${s}/Size`)], { to: attr.int(1) }, `${s}/SizeFloat`), g.scalar(`${s}/channels`, channels)], {}, `${s}/Count`);
    const variance = g.op('Div', [g.op('ReduceSumSquare', [xc], { axes: attr.ints([0, 2, 3]), keepdims: attr.int(1) }, `${s}/SumSquares`), count], {}, `${s}/Variance`);
    g.node('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(`${s}/eps`, eps)], {}, `${s}/AddEps`)], {}, `${s}/Std`)], {}, { name: `${s}/InvStd`, outputs: [invStd] });
    const shape = g.constInt64(`${s}/per_channel`, perChannel);
    const scale = g.op('Mul', [g.op('Reshape', [gamma, shape], {}, `${s}/Gamma`), invStd], {}, `${s}/Scale`);
    const scaled = g.op('Mul', [xc, scale], {}, `${s}/Normalize`);
    g.node('Add', [scaled, g.op('Reshape', [beta, shape], {}, `${s}/Beta`)], {}, { name: `${s}/Shift`, outputs: [y] });
    const flat = g.constInt64(`${s}/c`, [channels]);
    const moving = (running: string, batch: string, out: string, tag: string) => {
      const kept = g.op('Mul', [running, g.scalar(`${s}/momentum`, momentum)], {}, `${s}/${tag}Kept`);
      const added = g.op('Mul', [g.op('Reshape', [batch, flat], {}, `${s}/${tag}Flat`), g.scalar(`${s}/one_minus_momentum`, 1 - momentum)], {}, `${s}/${tag}Added`);
      g.node('Add', [kept, added], {}, { name: `${s}/${tag}Next`, outputs: [out] });
    };
    moving(runMean, mean, nextMean, 'Mean');
    moving(runVar, variance, nextVar, 'Var');
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
