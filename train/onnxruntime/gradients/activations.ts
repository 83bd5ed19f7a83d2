/**
 * Activation gradients from the values the forward pass already holds: Relu from its output (y > 0),
 * the exponential ones from x's sign and their output (d elu/dx = y + α below zero), Gelu from x.
 */
import { attr } from '../../../onnx/ir.js';
import { floatAttr, registerGradient, type GradContext } from './registry.js';
import { SELU_ALPHA, SELU_GAMMA } from '../layers/activations.js';

/** dy where `cond` holds, `otherwise` elsewhere. */
function where(ctx: GradContext, positive: string, whenTrue: string, otherwise: string): string {
  const { tg, scope } = ctx;
  const dims = tg.shape(whenTrue);
  const cond = tg.op('Greater', [positive, tg.scalar(`${scope}/zero`, 0)], {}, dims, `${scope}/Greater`);
  return tg.op('Where', [cond, whenTrue, otherwise], {}, dims, `${scope}/Where`);
}

const mul = (ctx: GradContext, a: string, b: string, tag: string) => ctx.tg.op('Mul', [a, b], {}, ctx.tg.shape(a), `${ctx.scope}/${tag}`);
const add = (ctx: GradContext, a: string, b: string, tag: string) => ctx.tg.op('Add', [a, b], {}, ctx.tg.shape(a), `${ctx.scope}/${tag}`);

/** dy·[y > 0]: Greater, Cast and Mul are fast kernels, where Where with a scalar branch is several times slower. */
registerGradient('Relu', (ctx) => {
  const { tg, scope } = ctx;
  const y = ctx.node.outputs[0];
  const dims = tg.shape(y);
  const positive = tg.op('Greater', [y, tg.scalar(`${scope}/zero`, 0)], {}, dims, `${scope}/Greater`);
  return [mul(ctx, ctx.dy[0] as string, tg.op('Cast', [positive], { to: attr.int(1) }, dims, `${scope}/Mask`), 'MulMask')];
});

registerGradient('LeakyRelu', (ctx) => {
  const dy = ctx.dy[0] as string;
  const alpha = floatAttr(ctx.node, 'alpha', 0.01);
  return [where(ctx, ctx.node.inputs[0], dy, mul(ctx, dy, ctx.tg.scalar(`${ctx.scope}/alpha`, alpha), 'MulAlpha'))];
});

registerGradient('Elu', (ctx) => {
  const dy = ctx.dy[0] as string;
  const alpha = floatAttr(ctx.node, 'alpha', 1);
  const slope = add(ctx, ctx.node.outputs[0], ctx.tg.scalar(`${ctx.scope}/alpha`, alpha), 'AddAlpha');
  return [where(ctx, ctx.node.inputs[0], dy, mul(ctx, dy, slope, 'MulSlope'))];
});

registerGradient('Selu', (ctx) => {
  const dy = ctx.dy[0] as string;
  const alpha = floatAttr(ctx.node, 'alpha', SELU_ALPHA);
  const gamma = floatAttr(ctx.node, 'gamma', SELU_GAMMA);
  const slope = add(ctx, ctx.node.outputs[0], ctx.tg.scalar(`${ctx.scope}/alpha_gamma`, alpha * gamma), 'AddAlphaGamma');
  return [where(ctx, ctx.node.inputs[0], mul(ctx, dy, ctx.tg.scalar(`${ctx.scope}/gamma`, gamma), 'MulGamma'), mul(ctx, dy, slope, 'MulSlope'))];
});

registerGradient('Sigmoid', (ctx) => {
  const { tg, scope } = ctx;
  const y = ctx.node.outputs[0];
  const oneMinus = tg.op('Sub', [tg.scalar(`${scope}/one`, 1), y], {}, tg.shape(y), `${scope}/OneMinus`);
  return [mul(ctx, mul(ctx, ctx.dy[0] as string, y, 'MulY'), oneMinus, 'MulOneMinus')];
});

registerGradient('Tanh', (ctx) => {
  const { tg, scope } = ctx;
  const y = ctx.node.outputs[0];
  const oneMinus = tg.op('Sub', [tg.scalar(`${scope}/one`, 1), mul(ctx, y, y, 'Square')], {}, tg.shape(y), `${scope}/OneMinusSquare`);
  return [mul(ctx, ctx.dy[0] as string, oneMinus, 'MulSlope')];
});

/** d gelu/dx = Φ(x) + x·φ(x), Φ the normal CDF (½(1 + erf(x/√2))) and φ its density. */
registerGradient('tinynet.Gelu', (ctx) => {
  const { tg, scope } = ctx;
  const x = ctx.node.inputs[0];
  const dims = tg.shape(x);
  const erf = tg.op('Erf', [tg.op('Mul', [x, tg.scalar(`${scope}/inv_sqrt2`, Math.SQRT1_2)], {}, dims, `${scope}/Scale`)], {}, dims, `${scope}/Erf`);
  const cdf = tg.op('Mul', [add(ctx, erf, tg.scalar(`${scope}/one`, 1), 'AddOne'), tg.scalar(`${scope}/half`, 0.5)], {}, dims, `${scope}/Cdf`);
  const square = mul(ctx, x, x, 'Square');
  const density = tg.op(
    'Mul',
    [
      tg.op('Exp', [mul(ctx, square, tg.scalar(`${scope}/minus_half`, -0.5), 'MinusHalf')], {}, dims, `${scope}/Exp`),
      tg.scalar(`${scope}/inv_sqrt_2pi`, 1 / Math.sqrt(2 * Math.PI)),
    ],
    {},
    dims,
    `${scope}/Density`,
  );
  const slope = add(ctx, cdf, mul(ctx, x, density, 'XDensity'), 'Slope');
  return [mul(ctx, ctx.dy[0] as string, slope, 'MulSlope')];
});
