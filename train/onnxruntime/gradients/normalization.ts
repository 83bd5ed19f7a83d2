/**
 * BatchNormalization in training mode, from the centred input xc = x − μ and 1/σ its forward pass
 * keeps (onnxruntime's BatchNormalizationGrad in standard ops), with M = N·H·W values per channel:
 *   dβ = Σ dy,  s = Σ dy·xc,  dγ = s/σ,
 *   dx = (γ/σ)·dy − (γ s/(σ³ M))·xc − γ dβ/(σ M).
 */
import { attr } from '../../../onnx/ir.js';
import { registerGradient } from './registry.js';

registerGradient('tinynet.BatchNormTraining', ({ tg, node, dy, needs, scope }) => {
  const g = dy[0];
  if (g === null) return node.inputs.map(() => null);
  const [x, gamma] = node.inputs;
  const [, , , xc, invStd] = node.outputs;
  const dims = tg.shape(x);
  const channels = Number(dims[1]);
  const perChannel = [1, channels, 1, 1];
  const axes = tg.int64s(`${scope}/axes`, [0, 2, 3]);
  const sumDy = tg.op('ReduceSum', [g, axes], { keepdims: attr.int(1) }, perChannel, `${scope}/SumDy`);
  const sumDyXc = tg.op('ReduceSum', [tg.op('Mul', [g, xc], {}, dims, `${scope}/DyXc`), axes], { keepdims: attr.int(1) }, perChannel, `${scope}/SumDyXc`);
  const flat = (v: string, tag: string) => tg.op('Reshape', [v, tg.int64s(`${scope}/c`, [channels])], {}, [channels], `${scope}/${tag}`);
  const small = (op: string, a: string, b: string, tag: string) => tg.op(op, [a, b], {}, perChannel, `${scope}/${tag}`);
  let dx: string | null = null;
  if (needs[0]) {
    const count = tg.op('Div', [tg.op('Cast', [tg.op('Size', [x], {}, [], `${scope}/Size`)], { to: attr.int(1) }, [], `${scope}/SizeFloat`), tg.scalar(`${scope}/channels`, channels)], {}, [], `${scope}/Count`);
    const gammaC = tg.op('Reshape', [gamma, tg.int64s(`${scope}/per_channel`, perChannel)], {}, perChannel, `${scope}/Gamma`);
    const k1 = small('Mul', gammaC, invStd, 'K1');
    const k1OverM = small('Div', k1, count, 'K1OverM');
    const k2 = tg.op('Neg', [small('Mul', small('Mul', k1OverM, small('Mul', invStd, invStd, 'InvVar'), 'K2Scale'), sumDyXc, 'K2Abs')], {}, perChannel, `${scope}/K2`);
    const k3 = tg.op('Neg', [small('Mul', k1OverM, sumDy, 'K3Abs')], {}, perChannel, `${scope}/K3`);
    const scaled = tg.op('Mul', [g, k1], {}, dims, `${scope}/ScaleDy`);
    const centred = tg.op('Mul', [xc, k2], {}, dims, `${scope}/ScaleXc`);
    dx = tg.op('Add', [tg.op('Add', [scaled, centred], {}, dims, `${scope}/AddTerms`), k3], {}, dims, `${scope}/dX`);
  }
  return [
    dx,
    needs[1] ? flat(small('Mul', sumDyXc, invStd, 'DGamma4'), 'dGamma') : null,
    needs[2] ? flat(sumDy, 'dBeta') : null,
    null,
    null,
  ];
});
