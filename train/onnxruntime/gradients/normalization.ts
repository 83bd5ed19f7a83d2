/**
 * BatchNormalization in training mode, from the batch mean μ and 1/σ its forward pass keeps
 * (onnxruntime's BatchNormalizationGrad in standard ops), with M = N·H·W values per channel:
 *   dβ = Σ dy,  s = Σ dy·(x − μ) = Σ dy·x − μ dβ,  dγ = s/σ,
 *   dx = (γ/σ)·dy + k·x + c,  k = −γ s/(σ³ M),  c = −k μ − γ dβ/(σ M).
 * The k·x + c term is one per-channel affine pass, which onnxruntime's BatchNormalization computes
 * (mean 0, variance 1, ε 0).
 */
import { attr } from '../../../onnx/ir.js';
import { registerGradient } from './registry.js';

registerGradient('tinynet.BatchNormTraining', ({ tg, node, dy, needs, scope }) => {
  const g = dy[0];
  if (g === null) return node.inputs.map(() => null);
  const [x, gamma] = node.inputs;
  const [, , , mean, invStd] = node.outputs;
  const dims = tg.shape(x);
  const channels = Number(dims[1]);
  const perChannel = [1, channels, 1, 1];
  const axes = tg.int64s(`${scope}/axes`, [0, 2, 3]);
  const sumDy = tg.op('ReduceSum', [g, axes], { keepdims: attr.int(1) }, perChannel, `${scope}/SumDy`);
  const sumDyX = tg.op('ReduceSum', [tg.op('Mul', [g, x], {}, dims, `${scope}/DyX`), axes], { keepdims: attr.int(1) }, perChannel, `${scope}/SumDyX`);
  const flat = (v: string, tag: string) => tg.op('Reshape', [v, tg.int64s(`${scope}/c`, [channels])], {}, [channels], `${scope}/${tag}`);
  const small = (op: string, a: string, b: string, tag: string) => tg.op(op, [a, b], {}, perChannel, `${scope}/${tag}`);
  const sumDyXc = small('Sub', sumDyX, small('Mul', mean, sumDy, 'MeanSumDy'), 'SumDyXc');
  let dx: string | null = null;
  if (needs[0]) {
    const count = tg.op(
      'Div',
      [tg.op('Cast', [tg.op('Size', [x], {}, [], `${scope}/Size`)], { to: attr.int(1) }, [], `${scope}/SizeFloat`), tg.scalar(`${scope}/channels`, channels)],
      {},
      [],
      `${scope}/Count`,
    );
    const gammaC = tg.op('Reshape', [gamma, tg.int64s(`${scope}/per_channel`, perChannel)], {}, perChannel, `${scope}/Gamma`);
    const k1 = small('Mul', gammaC, invStd, 'K1');
    const k1OverM = small('Div', k1, count, 'K1OverM');
    const k = tg.op(
      'Neg',
      [small('Mul', small('Mul', k1OverM, small('Mul', invStd, invStd, 'InvVar'), 'KScale'), sumDyXc, 'KAbs')],
      {},
      perChannel,
      `${scope}/K`,
    );
    const c = tg.op('Neg', [small('Add', small('Mul', k, mean, 'KMean'), small('Mul', k1OverM, sumDy, 'K1SumDy'), 'CAbs')], {}, perChannel, `${scope}/C`);
    const zeros = tg.setShape(tg.g.constFloat(`${scope}/zeros`, new Float32Array(channels), [channels]), [channels]);
    const ones = tg.setShape(tg.g.constFloat(`${scope}/ones`, new Float32Array(channels).fill(1), [channels]), [channels]);
    const affine = tg.op('BatchNormalization', [x, flat(k, 'KFlat'), flat(c, 'CFlat'), zeros, ones], { epsilon: attr.float(0) }, dims, `${scope}/AffineX`);
    dx = tg.op('Add', [tg.op('Mul', [g, k1], {}, dims, `${scope}/ScaleDy`), affine], {}, dims, `${scope}/dX`);
  }
  return [dx, needs[1] ? flat(small('Mul', sumDyXc, invStd, 'DGamma4'), 'dGamma') : null, needs[2] ? flat(sumDy, 'dBeta') : null, null, null];
});
