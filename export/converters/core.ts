/**
 * Dense, Activation, Flatten, Reshape, Permute. Flatten/Reshape/Permute are defined on the Keras
 * (channels-last) element order, so they first bring an NCHW value back to NHWC.
 */
import { attr } from '../../onnx/ir.js';
import { value, type TensorValue } from '../layout.js';
import { registerConverter, type ConvertContext } from '../registry.js';
import { applyActivation } from './activation-fns.js';

function dense(ctx: ConvertContext): TensorValue[] {
  const input = ctx.as(ctx.inputs[0], 'keras');
  const kernel = ctx.requireWeight('kernel'); // [in, units]
  const bias = ctx.config.useBias === false ? undefined : ctx.weight('bias');
  const g = ctx.g;
  const w = g.constFloat(`${ctx.scope}/kernel`, kernel.data, kernel.shape);
  let y: string;
  if (input.shape.length === 2) {
    const inputs = [input.name, w];
    if (bias) inputs.push(g.constFloat(`${ctx.scope}/bias`, bias.data, [bias.data.length]));
    y = g.op('Gemm', inputs, {}, `${ctx.scope}/Gemm`);
  } else {
    // Dense on rank > 2 multiplies the last axis, like numpy matmul.
    y = g.op('MatMul', [input.name, w], {}, `${ctx.scope}/MatMul`);
    if (bias) y = g.op('Add', [y, g.constFloat(`${ctx.scope}/bias`, bias.data, [bias.data.length])], {}, `${ctx.scope}/Add`);
  }
  return [applyActivation(ctx, value(y, 'keras', ctx.outputShapes[0]), ctx.config.activation)];
}

function activation(ctx: ConvertContext): TensorValue[] {
  return [applyActivation(ctx, ctx.inputs[0], ctx.config.activation)];
}

function flatten(ctx: ConvertContext): TensorValue[] {
  const input = ctx.inputs[0];
  if (input.shape.length <= 2) return [input];
  // When every spatial dim is 1 (after global pooling with keepdims), NCHW and NHWC orders agree.
  const spatialIsOne = input.shape.slice(1, -1).every((d) => d === 1);
  const x = spatialIsOne ? input : ctx.as(input, 'keras');
  return [value(ctx.g.op('Flatten', [x.name], { axis: attr.int(1) }, `${ctx.scope}/Flatten`), 'keras', ctx.outputShapes[0])];
}

function reshape(ctx: ConvertContext): TensorValue[] {
  const x = ctx.as(ctx.inputs[0], 'keras');
  const target = (ctx.config.targetShape as Array<number | null>).map((d) => (d == null ? -1 : d));
  // 0 keeps the (dynamic) batch dim.
  const shape = ctx.g.constInt64(`${ctx.scope}/shape`, [0, ...target]);
  return [value(ctx.g.op('Reshape', [x.name, shape], {}, `${ctx.scope}/Reshape`), 'keras', ctx.outputShapes[0])];
}

function permuteLayer(ctx: ConvertContext): TensorValue[] {
  const x = ctx.as(ctx.inputs[0], 'keras');
  const dims = ctx.config.dims as number[]; // 1-based, batch excluded
  return [value(ctx.g.transpose(x.name, [0, ...dims], `${ctx.scope}/Transpose`), 'keras', ctx.outputShapes[0])];
}

registerConverter('Dense', dense);
registerConverter('Activation', activation);
registerConverter('Flatten', flatten);
registerConverter('Reshape', reshape);
registerConverter('Permute', permuteLayer);
