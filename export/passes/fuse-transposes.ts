/**
 * Transpose(Transpose(x, p1), p2) = Transpose(x, p1∘p2); an identity permutation disappears.
 * Converters request layouts independently, so a Permute after an NCHW value, or a layout change
 * undone right away, would otherwise leave two Transposes back to back.
 */
import { attr, producers, replaceUses, type IrGraph, type IrNode } from '../../onnx/ir.js';

function perm(node: IrNode): number[] | undefined {
  const p = node.attrs.perm;
  return p?.kind === 'ints' ? p.value : undefined;
}

export function fuseTransposes(graph: IrGraph): number {
  let changed = 0;
  const prod = producers(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  for (const node of graph.nodes) {
    if (node.op !== 'Transpose') continue;
    const p2 = perm(node);
    const first = prod.get(node.inputs[0]);
    if (!p2 || !first || first.op !== 'Transpose') continue;
    const p1 = perm(first);
    if (!p1) continue;
    // out[i] = in2[p2[i]] = x[p1[p2[i]]]
    const composed = p2.map((i) => p1[i]);
    node.inputs[0] = first.inputs[0];
    node.attrs.perm = attr.ints(composed);
    changed++;
  }
  // Identity transposes: readers take the input directly (unless the value is a graph output).
  for (const node of graph.nodes) {
    const p = node.op === 'Transpose' ? perm(node) : undefined;
    if (!p?.every((v, i) => v === i) || outputs.has(node.outputs[0])) continue;
    replaceUses(graph, node.outputs[0], node.inputs[0]);
    changed++;
  }
  return changed;
}
