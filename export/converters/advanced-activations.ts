/** ReLU (max_value, negative_slope, threshold), LeakyReLU, ELU, ThresholdedReLU, PReLU, Softmax. */
import { attr } from '../../onnx/ir.js';
import { onnxAxis, value, type TensorValue } from '../layout.js';
import { registerConverter, type ConvertContext } from '../registry.js';
import { permute } from '../../onnx/permute.js';

function num(v: unknown, fallback: number): number {
  return v == null ? fallback : Number(v);
}

/**
 * Keras ReLU: x ≥ max → max; threshold ≤ x < max → x; x < threshold → slope·(x − threshold).
 * tfjs' ReLU only implements max_value; the extra Keras arguments are honoured when a model carries them.
 */
function relu(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  const g = ctx.g;
  const s = ctx.scope;
  const layer = ctx.layer as unknown as Record<string, unknown>;
  const maxValue = ctx.config.maxValue ?? layer.maxValue;
  const slope = num(ctx.config.negativeSlope ?? layer.negativeSlope, 0);
  const threshold = num(ctx.config.threshold ?? layer.threshold, 0);
  let y: string;
  if (threshold === 0 && slope === 0) {
    y =
      maxValue == null
        ? g.op('Relu', [t.name], {}, `${s}/Relu`)
        : g.op('Clip', [t.name, g.scalar(`${s}/min`, 0), g.scalar(`${s}/max`, Number(maxValue))], {}, `${s}/Clip`);
  } else {
    const thr = g.scalar(`${s}/threshold`, threshold);
    const below = g.op('Mul', [g.op('Sub', [t.name, thr], {}, `${s}/Sub`), g.scalar(`${s}/slope`, slope)], {}, `${s}/Mul`);
    const keep = g.op('GreaterOrEqual', [t.name, thr], {}, `${s}/GreaterOrEqual`);
    y = g.op('Where', [keep, t.name, below], {}, `${s}/Where`);
    if (maxValue != null) y = g.op('Min', [y, g.scalar(`${s}/max`, Number(maxValue))], {}, `${s}/Min`);
  }
  return [value(y, t.layout, t.shape)];
}

function leakyRelu(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  return [value(ctx.g.op('LeakyRelu', [t.name], { alpha: attr.float(num(ctx.config.alpha, 0.3)) }, `${ctx.scope}/LeakyRelu`), t.layout, t.shape)];
}

function elu(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  return [value(ctx.g.op('Elu', [t.name], { alpha: attr.float(num(ctx.config.alpha, 1)) }, `${ctx.scope}/Elu`), t.layout, t.shape)];
}

function thresholdedRelu(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  return [value(ctx.g.op('ThresholdedRelu', [t.name], { alpha: attr.float(num(ctx.config.theta, 1)) }, `${ctx.scope}/ThresholdedRelu`), t.layout, t.shape)];
}

/** PReLU's alpha has the input's shape without the batch (ones on shared axes); permute it to the value's layout. */
function prelu(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  const alpha = ctx.requireWeight('alpha');
  const rank = t.shape.length;
  let slope = { data: alpha.data, shape: alpha.shape };
  if (t.layout === 'cf' && rank > 2) slope = permute(alpha.data, alpha.shape, [rank - 2, ...Array.from({ length: rank - 2 }, (_, i) => i)]);
  const y = ctx.g.op('PRelu', [t.name, ctx.g.constFloat(`${ctx.scope}/alpha`, slope.data, slope.shape)], {}, `${ctx.scope}/PRelu`);
  return [value(y, t.layout, t.shape)];
}

function softmax(ctx: ConvertContext): TensorValue[] {
  const t = ctx.inputs[0];
  const axes = Array.isArray(ctx.config.axis) ? ctx.config.axis : [ctx.config.axis ?? -1];
  const axis = onnxAxis(Number(axes[0]), t.shape.length, t.layout);
  return [value(ctx.g.op('Softmax', [t.name], { axis: attr.int(axis) }, `${ctx.scope}/Softmax`), t.layout, t.shape)];
}

registerConverter('ReLU', relu);
registerConverter('LeakyReLU', leakyRelu);
registerConverter('ELU', elu);
registerConverter('ThresholdedReLU', thresholdedRelu);
registerConverter('PReLU', prelu);
registerConverter('Softmax', softmax);
