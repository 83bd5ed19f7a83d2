/** MatMul of [batch, in] × [in, out] (Dense) and the mean over spatial axes (GlobalAveragePooling2D). */
import { attr } from '../../../onnx/ir.js';
import { intAttr, intsAttr, registerGradient } from './registry.js';

registerGradient('MatMul', ({ tg, node, dy, needs, scope }) => {
  const g = dy[0] as string;
  const [a, b] = node.inputs;
  if (tg.shape(a).length !== 2 || tg.shape(b).length !== 2) throw new Error(`MatMul gradient: only rank-2 operands (node ${node.name})`);
  return [
    needs[0] ? tg.op('Gemm', [g, b], { transB: attr.int(1) }, tg.shape(a), `${scope}/dA`) : null,
    needs[1] ? tg.op('Gemm', [a, g], { transA: attr.int(1) }, tg.shape(b), `${scope}/dB`) : null,
  ];
});

registerGradient('ReduceMean', ({ tg, node, dy, needs, scope }) => {
  if (!needs[0]) return [null];
  const x = node.inputs[0];
  const dims = tg.shape(x);
  const axes = intsAttr(
    node,
    'axes',
    dims.map((_, i) => i),
  ).map((a) => (a < 0 ? a + dims.length : a));
  const count = axes.reduce((n, a) => {
    const d = dims[a];
    if (d === 'N') throw new Error(`ReduceMean gradient: reducing over the batch is not supported (node ${node.name})`);
    return n * d;
  }, 1);
  let g = dy[0] as string;
  if (intAttr(node, 'keepdims', 1) === 0) {
    g = tg.op(
      'Unsqueeze',
      [g, tg.int64s(`${scope}/axes`, axes)],
      {},
      dims.map((d, i) => (axes.includes(i) ? 1 : d)),
      `${scope}/Unsqueeze`,
    );
  }
  const scaled = tg.op('Mul', [g, tg.scalar(`${scope}/inv_count`, 1 / count)], {}, tg.shape(g), `${scope}/Scale`);
  const shape = tg.op('Shape', [x], {}, [dims.length], `${scope}/Shape`);
  return [tg.op('Expand', [scaled, shape], {}, dims, `${scope}/Expand`)];
});
