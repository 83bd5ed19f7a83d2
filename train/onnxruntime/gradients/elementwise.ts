/** Add, Sub, Mul (Dropout2d's mask, bias adds), Sum and Transpose. */
import { attr } from '../../../onnx/ir.js';
import { unbroadcast } from './broadcast.js';
import { intsAttr, registerGradient } from './registry.js';

registerGradient('Add', ({ tg, node, dy, needs, scope }) => {
  const g = dy[0] as string;
  return node.inputs.map((input, k) => (needs[k] ? unbroadcast(tg, g, input, `${scope}/d${k}`) : null));
});

registerGradient('Sum', ({ node, dy }) => node.inputs.map(() => dy[0]));

registerGradient('Sub', ({ tg, node, dy, needs, scope }) => {
  const g = dy[0] as string;
  const [a, b] = node.inputs;
  return [
    needs[0] ? unbroadcast(tg, g, a, `${scope}/da`) : null,
    needs[1] ? unbroadcast(tg, tg.op('Neg', [g], {}, tg.shape(g), `${scope}/Neg`), b, `${scope}/db`) : null,
  ];
});

registerGradient('Mul', ({ tg, node, dy, needs, scope }) => {
  const g = dy[0] as string;
  const [a, b] = node.inputs;
  const part = (other: string, self: string, k: number) =>
    needs[k] ? unbroadcast(tg, tg.op('Mul', [g, other], {}, tg.shape(g), `${scope}/Mul${k}`), self, `${scope}/d${k}`) : null;
  return [part(b, a, 0), part(a, b, 1)];
});

registerGradient('Transpose', ({ tg, node, dy, needs, scope }) => {
  if (!needs[0]) return [null];
  const perm = intsAttr(node, 'perm', []);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [tg.op('Transpose', [dy[0] as string], { perm: attr.ints(inverse) }, tg.shape(node.inputs[0]), `${scope}/Transpose`)];
});
