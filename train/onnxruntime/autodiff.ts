/**
 * Reverse-mode differentiation of a training graph: from the seed gradients back to the weights,
 * node by node in reverse order, each node's gradient written by its op's builder. A value read
 * by several nodes (a residual input) gets the Sum of its partial gradients.
 */
import type { TrainGraph } from './graph.js';
import { findGradient } from './gradients/registry.js';
import './gradients/index.js';

/** Returns the gradient value of every name in `wrt` that reaches a seed. */
export function buildBackward(tg: TrainGraph, seeds: Map<string, string>, wrt: string[]): Map<string, string> {
  const nodes = tg.g.graph.nodes.slice();
  const requires = new Set(wrt);
  for (const node of nodes) if (node.inputs.some((i) => requires.has(i))) for (const o of node.outputs) requires.add(o);
  const partials = new Map<string, string[]>();
  for (const [value, grad] of seeds) partials.set(value, [grad]);

  const gradientOf = (value: string): string | null => {
    const parts = partials.get(value);
    if (!parts || parts.length === 0) return null;
    if (parts.length > 1) {
      const sum = tg.op('Sum', parts, {}, tg.shape(value), `grad/${value}/Sum`);
      partials.set(value, [sum]);
      return sum;
    }
    return parts[0];
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const needs = node.inputs.map((name) => name !== '' && requires.has(name));
    if (!needs.some(Boolean)) continue;
    const dy = node.outputs.map(gradientOf);
    if (dy.every((d) => d === null)) continue;
    const grads = findGradient(node)({ tg, node, dy, needs, scope: `grad/${node.name}` });
    grads.forEach((g, k) => {
      if (g === null || !needs[k]) return;
      const name = node.inputs[k];
      const list = partials.get(name) ?? [];
      list.push(g);
      partials.set(name, list);
    });
  }
  const result = new Map<string, string>();
  for (const w of wrt) {
    const g = gradientOf(w);
    if (g !== null) result.set(w, g);
  }
  return result;
}
