/** Helpers shared by the spatial converters: Keras argument normalization and TF padding rules. */
import { attr, type Attr } from '../../onnx/ir.js';
import type { ConvertContext } from '../registry.js';
import { unsupported } from '../registry.js';

export function pair(v: unknown, fallback: number): [number, number] {
  if (v == null) return [fallback, fallback];
  if (Array.isArray(v)) return [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])];
  return [Number(v), Number(v)];
}

/** Only channels-last models are supported: that is what tfjs trains and saves by default. */
export function requireChannelsLast(ctx: ConvertContext): void {
  const fmt = ctx.config.dataFormat ?? ctx.config.data_format;
  if (fmt != null && fmt !== 'channelsLast' && fmt !== 'channels_last') {
    throw unsupported(ctx, `data_format ${fmt} (only channels_last is supported)`);
  }
}

/**
 * TF "same" padding for one axis: output = ceil(in / stride); the odd pixel goes after (bottom/right),
 * which is why stride-2 convolutions on even sizes pad asymmetrically.
 */
export function samePads(inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * ONNX padding attributes for a 2-D window op on an [N,H,W,C] Keras input: explicit pads when the
 * spatial size is known (always, for image models), SAME_UPPER (the same rule) when it is not.
 */
export function windowPadding(
  ctx: ConvertContext,
  padding: string,
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number] = [1, 1],
): Record<string, Attr> {
  if (padding === 'valid') return { pads: attr.ints([0, 0, 0, 0]) };
  if (padding !== 'same') throw unsupported(ctx, `padding "${padding}"`);
  const [, h, w] = ctx.inputs[0].shape;
  if (h == null || w == null) return { auto_pad: attr.string('SAME_UPPER') };
  const [top, bottom] = samePads(h, kernel[0], strides[0], dilation[0]);
  const [left, right] = samePads(w, kernel[1], strides[1], dilation[1]);
  return { pads: attr.ints([top, left, bottom, right]) };
}
