/** SpatialDropout2D (PyTorch's Dropout2d), Add, GlobalAveragePooling2D and Dense. */
import { attr } from '../../../onnx/ir.js';
import { activate } from './activations.js';
import { registerLayer, unsupportedConfig } from './registry.js';

registerLayer('SpatialDropout2D', (ctx) => {
  const x = ctx.inputs[0];
  const rate = Number(ctx.config.rate ?? 0);
  if (ctx.mode === 'eval' || rate === 0) return [x];
  const dims = ctx.tg.shape(x);
  return [ctx.tg.op('Mul', [x, ctx.dropoutMask(Number(dims[1]), rate)], {}, dims, `${ctx.scope}/Dropout2d`)];
});

registerLayer('Add', (ctx) => {
  const dims = ctx.tg.shape(ctx.inputs[0]);
  for (const i of ctx.inputs) {
    if (ctx.tg.shape(i).join() !== dims.join())
      throw unsupportedConfig(ctx, `inputs of different shapes (${ctx.inputs.map((v) => ctx.tg.shape(v).join('×')).join(', ')})`);
  }
  return [ctx.inputs.slice(1).reduce((a, b) => ctx.tg.op('Add', [a, b], {}, dims, `${ctx.scope}/Add`), ctx.inputs[0])];
});

registerLayer('GlobalAveragePooling2D', (ctx) => {
  const x = ctx.inputs[0];
  const [n, c] = ctx.tg.shape(x);
  if (ctx.config.keepDims) throw unsupportedConfig(ctx, 'keepdims');
  return [ctx.tg.op('ReduceMean', [x], { axes: attr.ints([2, 3]), keepdims: attr.int(0) }, [n, c], `${ctx.scope}/ReduceMean`)];
});

registerLayer('Dense', (ctx) => {
  const { tg, config } = ctx;
  const x = ctx.inputs[0];
  const dims = tg.shape(x);
  if (dims.length !== 2) throw unsupportedConfig(ctx, `a rank-${dims.length} input (only [batch, features])`);
  const out = [dims[0], Number(config.units)];
  let y = tg.op('MatMul', [x, ctx.weight('kernel')], {}, out, `${ctx.scope}/MatMul`);
  if (config.useBias !== false && ctx.hasWeight('bias')) y = tg.op('Add', [y, ctx.weight('bias')], {}, out, `${ctx.scope}/BiasAdd`);
  return [activate(ctx, tg, y, config.activation as string | undefined)];
});
