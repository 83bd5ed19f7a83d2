/**
 * Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, ZeroPadding2D, Cropping2D, UpSampling2D.
 * All run NCHW: kernels are transposed once here, at export time.
 */
import { attr } from '../../onnx/ir.js';
import { value, type TensorValue } from '../layout.js';
import { registerConverter, unsupported, type ConvertContext } from '../registry.js';
import { applyActivation } from './activation-fns.js';
import { pair, requireChannelsLast, windowPadding } from './common.js';
import { permute } from '../../onnx/permute.js';
import { createLogger } from '../../core/log.js';

const log = createLogger('export');

function outputValue(ctx: ConvertContext, name: string): TensorValue {
  return value(name, 'cf', ctx.outputShapes[0]);
}

function biasInput(ctx: ConvertContext): string[] {
  const bias = ctx.config.useBias === false ? undefined : ctx.weight('bias');
  return bias ? [ctx.g.constFloat(`${ctx.scope}/bias`, bias.data, [bias.data.length])] : [];
}

function conv2d(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  const kernel = ctx.requireWeight('kernel'); // [kh, kw, in, out]
  const w = permute(kernel.data, kernel.shape, [3, 2, 0, 1]); // → [out, in, kh, kw]
  const k = pair(ctx.config.kernelSize, 1);
  const strides = pair(ctx.config.strides, 1);
  const dilation = pair(ctx.config.dilationRate, 1);
  const y = ctx.g.op(
    'Conv',
    [x.name, ctx.g.constFloat(`${ctx.scope}/kernel`, w.data, w.shape), ...biasInput(ctx)],
    {
      kernel_shape: attr.ints(k),
      strides: attr.ints(strides),
      dilations: attr.ints(dilation),
      group: attr.int(1),
      ...windowPadding(ctx, String(ctx.config.padding ?? 'valid'), k, strides, dilation),
    },
    `${ctx.scope}/Conv`,
  );
  return [applyActivation(ctx, outputValue(ctx, y), ctx.config.activation)];
}

/** Depthwise kernel [kh, kw, in, mult] → grouped Conv weight [in·mult, 1, kh, kw] (TF channel order c·mult + m). */
function depthwiseWeight(kernel: { data: Float32Array; shape: number[] }): { data: Float32Array; shape: number[] } {
  const [kh, kw, cin, mult] = kernel.shape;
  const t = permute(kernel.data, kernel.shape, [2, 3, 0, 1]); // [in, mult, kh, kw]
  return { data: t.data, shape: [cin * mult, 1, kh, kw] };
}

function depthwiseNode(ctx: ConvertContext, x: TensorValue, kernelName: string, withBias: boolean, dilation: [number, number]): string {
  const kernel = ctx.requireWeight(kernelName);
  const w = depthwiseWeight(kernel);
  const k = pair(ctx.config.kernelSize, 1);
  const strides = pair(ctx.config.strides, 1);
  return ctx.g.op(
    'Conv',
    [x.name, ctx.g.constFloat(`${ctx.scope}/depthwise_kernel`, w.data, w.shape), ...(withBias ? biasInput(ctx) : [])],
    {
      kernel_shape: attr.ints(k),
      strides: attr.ints(strides),
      dilations: attr.ints(dilation),
      group: attr.int(kernel.shape[2]),
      ...windowPadding(ctx, String(ctx.config.padding ?? 'valid'), k, strides, dilation),
    },
    `${ctx.scope}/DepthwiseConv`,
  );
}

function depthwiseConv2d(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  // tfjs-layers 4.x DepthwiseConv2D ignores dilation_rate when it computes (its "TODO: Add support
  // for dilation"); the export reproduces what tfjs computes, and says so.
  const dilation = pair(ctx.config.dilationRate, 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) {
    log.warn(`layer "${ctx.scope}": DepthwiseConv2D dilation_rate ${JSON.stringify(dilation)} is ignored, as TensorFlow.js ignores it`);
  }
  const y = depthwiseNode(ctx, x, 'depthwise_kernel', true, [1, 1]);
  return [applyActivation(ctx, outputValue(ctx, y), ctx.config.activation)];
}

function separableConv2d(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  const depthwise = depthwiseNode(ctx, x, 'depthwise_kernel', false, pair(ctx.config.dilationRate, 1));
  const pointwise = ctx.requireWeight('pointwise_kernel'); // [1, 1, in·mult, out]
  const w = permute(pointwise.data, pointwise.shape, [3, 2, 0, 1]);
  const y = ctx.g.op(
    'Conv',
    [depthwise, ctx.g.constFloat(`${ctx.scope}/pointwise_kernel`, w.data, w.shape), ...biasInput(ctx)],
    { kernel_shape: attr.ints([1, 1]), strides: attr.ints([1, 1]), pads: attr.ints([0, 0, 0, 0]) },
    `${ctx.scope}/PointwiseConv`,
  );
  return [applyActivation(ctx, outputValue(ctx, y), ctx.config.activation)];
}

/**
 * Conv2DTranspose: tfjs computes the output size (same: in·s; valid: in·s + max(k − s, 0)) and TF places
 * the padding as the gradient of a forward "same" convolution would: floor(total/2) before.
 */
function conv2dTranspose(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  const kernel = ctx.requireWeight('kernel'); // [kh, kw, out, in]
  const w = permute(kernel.data, kernel.shape, [3, 2, 0, 1]); // → [in, out, kh, kw]
  const k = pair(ctx.config.kernelSize, 1);
  const strides = pair(ctx.config.strides, 1);
  const dilation = pair(ctx.config.dilationRate, 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw unsupported(ctx, 'dilated Conv2DTranspose');
  const [, h, wd] = ctx.inputs[0].shape;
  const [, oh, ow] = ctx.outputShapes[0];
  if (h == null || wd == null || oh == null || ow == null) throw unsupported(ctx, 'unknown spatial size');
  const pads = [0, 0, 0, 0];
  const outputPadding = [0, 0];
  [
    [h, oh],
    [wd, ow],
  ].forEach(([inSize, outSize], axis) => {
    const total = (inSize - 1) * strides[axis] + k[axis] - outSize;
    if (total >= 0) {
      pads[axis] = Math.floor(total / 2);
      pads[axis + 2] = total - pads[axis];
    } else {
      outputPadding[axis] = -total;
    }
  });
  const y = ctx.g.op(
    'ConvTranspose',
    [x.name, ctx.g.constFloat(`${ctx.scope}/kernel`, w.data, w.shape), ...biasInput(ctx)],
    {
      kernel_shape: attr.ints(k),
      strides: attr.ints(strides),
      pads: attr.ints(pads),
      output_padding: attr.ints(outputPadding),
    },
    `${ctx.scope}/ConvTranspose`,
  );
  return [applyActivation(ctx, outputValue(ctx, y), ctx.config.activation)];
}

/** [[top, bottom], [left, right]] from the Keras forms: int, [h, w], or [[t, b], [l, r]]. */
function padPairs(v: unknown): [[number, number], [number, number]] {
  if (typeof v === 'number')
    return [
      [v, v],
      [v, v],
    ];
  const a = v as Array<number | number[]>;
  const one = (p: number | number[]): [number, number] => (Array.isArray(p) ? [p[0], p[1]] : [p, p]);
  return [one(a[0]), one(a[1])];
}

function zeroPadding2d(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  const [[t, b], [l, r]] = padPairs(ctx.config.padding ?? 1);
  const pads = ctx.g.constInt64(`${ctx.scope}/pads`, [0, 0, t, l, 0, 0, b, r]);
  return [outputValue(ctx, ctx.g.op('Pad', [x.name, pads], { mode: attr.string('constant') }, `${ctx.scope}/Pad`))];
}

function cropping2d(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  const [[t, b], [l, r]] = padPairs(ctx.config.cropping ?? 0);
  const big = Number.MAX_SAFE_INTEGER;
  const g = ctx.g;
  const y = g.op(
    'Slice',
    [
      x.name,
      g.constInt64(`${ctx.scope}/starts`, [t, l]),
      g.constInt64(`${ctx.scope}/ends`, [b > 0 ? -b : big, r > 0 ? -r : big]),
      g.constInt64(`${ctx.scope}/axes`, [2, 3]),
    ],
    {},
    `${ctx.scope}/Slice`,
  );
  return [outputValue(ctx, y)];
}

/** tfjs resizes with alignCorners = halfPixelCenters = false: ONNX's "asymmetric" coordinates. */
function upSampling2d(ctx: ConvertContext): TensorValue[] {
  requireChannelsLast(ctx);
  const x = ctx.as(ctx.inputs[0], 'cf');
  const [sh, sw] = pair(ctx.config.size, 2);
  const interpolation = String(ctx.config.interpolation ?? 'nearest');
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw unsupported(ctx, `interpolation ${interpolation}`);
  const g = ctx.g;
  const y = g.op(
    'Resize',
    [x.name, '', g.constFloat(`${ctx.scope}/scales`, [1, 1, sh, sw], [4])],
    interpolation === 'nearest'
      ? { mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor') }
      : { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('asymmetric') },
    `${ctx.scope}/Resize`,
  );
  return [outputValue(ctx, y)];
}

registerConverter('Conv2D', conv2d);
registerConverter('DepthwiseConv2D', depthwiseConv2d);
registerConverter('SeparableConv2D', separableConv2d);
registerConverter('Conv2DTranspose', conv2dTranspose);
registerConverter('ZeroPadding2D', zeroPadding2d);
registerConverter('Cropping2D', cropping2d);
registerConverter('UpSampling2D', upSampling2d);
