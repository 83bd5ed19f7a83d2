/** Drop nodes whose outputs nobody reads (graph outputs count as readers), then unused initializers. */
import type { IrGraph } from '../../onnx/ir.js';

export function removeDeadNodes(graph: IrGraph): number {
  const live = new Set(graph.outputs.map((o) => o.name));
  const keep: boolean[] = new Array(graph.nodes.length).fill(false);
  // Nodes are in topological order, so one backward sweep finds everything an output depends on.
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.outputs.some((o) => live.has(o))) {
      keep[i] = true;
      for (const input of node.inputs) if (input) live.add(input);
    }
  }
  const before = graph.nodes.length;
  graph.nodes = graph.nodes.filter((_, i) => keep[i]);
  for (const name of [...graph.initializers.keys()]) if (!live.has(name)) graph.initializers.delete(name);
  return before - graph.nodes.length;
}
