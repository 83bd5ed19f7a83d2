/**
 * MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D.
 * Keras "same" average pooling divides by the number of real pixels under the window, so
 * AveragePool gets count_include_pad = 0.
 */
import { attr } from '../../onnx/ir.js';
import { value, type TensorValue } from '../layout.js';
import { registerConverter, type ConvertContext } from '../registry.js';
import { pair, requireChannelsLast, windowPadding } from './common.js';

function pool(op: 'MaxPool' | 'AveragePool') {
  return (ctx: ConvertContext): TensorValue[] => {
    requireChannelsLast(ctx);
    const x = ctx.as(ctx.inputs[0], 'cf');
    const k = pair(ctx.config.poolSize, 2);
    const strides = pair(ctx.config.strides ?? ctx.config.poolSize, 2);
    const attrs = {
      kernel_shape: attr.ints(k),
      strides: attr.ints(strides),
      ...windowPadding(ctx, String(ctx.config.padding ?? 'valid'), k, strides),
      ...(op === 'AveragePool' ? { count_include_pad: attr.int(0) } : {}),
    };
    return [value(ctx.g.op(op, [x.name], attrs, `${ctx.scope}/${op}`), 'cf', ctx.outputShapes[0])];
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool') {
  return (ctx: ConvertContext): TensorValue[] => {
    requireChannelsLast(ctx);
    const x = ctx.as(ctx.inputs[0], 'cf');
    const pooled = ctx.g.op(op, [x.name], {}, `${ctx.scope}/${op}`); // [N, C, 1, 1]
    const keep = ctx.config.keepdims ?? ctx.config.keepDims ?? false;
    if (keep) return [value(pooled, 'cf', ctx.outputShapes[0])];
    const flat = ctx.g.op('Flatten', [pooled], { axis: attr.int(1) }, `${ctx.scope}/Flatten`);
    return [value(flat, 'keras', ctx.outputShapes[0])];
  };
}

registerConverter('MaxPooling2D', pool('MaxPool'));
registerConverter('AveragePooling2D', pool('AveragePool'));
registerConverter('GlobalAveragePooling2D', globalPool('GlobalAveragePool'));
registerConverter('GlobalMaxPooling2D', globalPool('GlobalMaxPool'));
