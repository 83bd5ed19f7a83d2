/**
 * BatchNormalization at inference: y = (x − mean) · gamma / √(var + ε) + beta.
 * On the channel axis (NCHW axis 1) it is an ONNX BatchNormalization node, which the
 * fold-batchnorm pass merges into a preceding convolution; on any other axis, Mul + Add.
 */
import { attr } from '../../onnx/ir.js';
import { onnxAxis, onnxDims, value, type TensorValue } from '../layout.js';
import { registerConverter, unsupported, type ConvertContext } from '../registry.js';

function batchNormalization(ctx: ConvertContext): TensorValue[] {
  const input = ctx.inputs[0];
  const rank = input.shape.length;
  const configAxis = ctx.config.axis as number | number[] | undefined;
  const kerasAxis = Array.isArray(configAxis) ? configAxis : [configAxis ?? -1];
  if (kerasAxis.length !== 1) throw unsupported(ctx, 'normalization over several axes');
  const axisK = kerasAxis[0] < 0 ? kerasAxis[0] + rank : kerasAxis[0];
  // Channels-last models normalize the last axis: in the NCHW graph that is axis 1.
  const x = axisK === rank - 1 ? ctx.as(input, 'cf') : input;
  const axis = onnxAxis(axisK, rank, x.layout);
  const eps = Number(ctx.config.epsilon ?? 1e-3);
  const mean = ctx.requireWeight('moving_mean').data;
  const variance = ctx.requireWeight('moving_variance').data;
  const c = mean.length;
  const gamma = ctx.config.scale === false ? undefined : ctx.weight('gamma')?.data;
  const beta = ctx.config.center === false ? undefined : ctx.weight('beta')?.data;
  const g = ctx.g;
  const s = ctx.scope;

  if (axis === 1) {
    const y = g.op(
      'BatchNormalization',
      [
        x.name,
        g.constFloat(`${s}/gamma`, gamma ?? new Float32Array(c).fill(1), [c]),
        g.constFloat(`${s}/beta`, beta ?? new Float32Array(c), [c]),
        g.constFloat(`${s}/moving_mean`, mean, [c]),
        g.constFloat(`${s}/moving_variance`, variance, [c]),
      ],
      { epsilon: attr.float(eps) },
      `${s}/BatchNormalization`,
    );
    return [value(y, x.layout, input.shape)];
  }
  // Another axis: precompute the affine map in float64 and broadcast it along that axis.
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    a[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + eps);
    b[i] = (beta ? beta[i] : 0) - mean[i] * a[i];
  }
  const dims = onnxDims(input.shape, x.layout).map((d, i) => (i === axis ? (d as number) : 1));
  const scaled = g.op('Mul', [x.name, g.constFloat(`${s}/scale`, a, dims)], {}, `${s}/Mul`);
  const y = g.op('Add', [scaled, g.constFloat(`${s}/offset`, b, dims)], {}, `${s}/Add`);
  return [value(y, x.layout, input.shape)];
}

registerConverter('BatchNormalization', batchNormalization);
