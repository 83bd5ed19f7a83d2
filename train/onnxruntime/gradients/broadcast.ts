/** The gradient of a broadcast operand: summed over the axes it was broadcast along, then reshaped to it. */
import { attr } from '../../../onnx/ir.js';
import type { Dims, TrainGraph } from '../graph.js';

export function unbroadcast(tg: TrainGraph, grad: string, target: string, scope: string): string {
  const from = tg.shape(grad);
  const to = tg.shape(target);
  if (from.join() === to.join()) return grad;
  const offset = from.length - to.length;
  const axes: number[] = [];
  from.forEach((d, i) => {
    const t = i - offset;
    if (t < 0 || (to[t] === 1 && d !== 1)) axes.push(i);
  });
  const kept: Dims = from.map((d, i) => (axes.includes(i) ? 1 : d));
  const summed = axes.length ? tg.op('ReduceSum', [grad, tg.int64s(`${scope}/axes`, axes)], { keepdims: attr.int(1) }, kept, `${scope}/ReduceSum`) : grad;
  if (to.some((d) => d === 'N')) throw new Error(`cannot unbroadcast to a batch-sized operand ${target}`);
  return tg.op('Reshape', [summed, tg.int64s(`${scope}/shape`, to as number[])], {}, to, `${scope}/Reshape`);
}
