/** Activation, LeakyReLU, and the `activation` a Conv2D or Dense may carry, as single nodes the gradient registry knows. */
import { attr } from '../../../onnx/ir.js';
import type { TrainGraph } from '../graph.js';
import { registerLayer, unsupportedConfig, type LayerContext } from './registry.js';

/** Keras/tfjs SELU constants. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_GAMMA = 1.0507009873554805;

const SUPPORTED = ['linear', 'relu', 'elu', 'selu', 'gelu', 'sigmoid', 'tanh'];

/** `x` through the named tfjs activation; Gelu is the exact (erf) form tfjs computes. */
export function activate(ctx: LayerContext, tg: TrainGraph, x: string, name: string | undefined | null): string {
  const kind = name ?? 'linear';
  const dims = tg.shape(x);
  const s = `${ctx.scope}/${kind}`;
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return tg.op('Relu', [x], {}, dims, s);
    case 'elu':
      return tg.op('Elu', [x], { alpha: attr.float(1) }, dims, s);
    case 'selu':
      return tg.op('Selu', [x], { alpha: attr.float(SELU_ALPHA), gamma: attr.float(SELU_GAMMA) }, dims, s);
    case 'gelu':
      return tg.op('tinynet.Gelu', [x], {}, dims, s);
    case 'sigmoid':
      return tg.op('Sigmoid', [x], {}, dims, s);
    case 'tanh':
      return tg.op('Tanh', [x], {}, dims, s);
    default:
      throw unsupportedConfig(ctx, `activation "${kind}" (supported: ${SUPPORTED.join(', ')})`);
  }
}

registerLayer('Activation', (ctx) => [activate(ctx, ctx.tg, ctx.inputs[0], ctx.config.activation as string | undefined)]);

registerLayer('LeakyReLU', (ctx) => {
  const x = ctx.inputs[0];
  return [ctx.tg.op('LeakyRelu', [x], { alpha: attr.float(Number(ctx.config.alpha ?? 0.3)) }, ctx.tg.shape(x), `${ctx.scope}/LeakyRelu`)];
});
