/** Conv2D in NCHW with TensorFlow's padding rules ('same' puts the odd row/column at the end). */
import { attr } from '../../../onnx/ir.js';
import type { Dim } from '../graph.js';
import { activate } from './activations.js';
import { registerLayer, unsupportedConfig } from './registry.js';

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** Output size and [begin, end] padding of one spatial axis. */
export function axisPadding(size: number, k: number, stride: number, dilation: number, padding: string): { out: number; begin: number; end: number } {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, begin: 0, end: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, begin: Math.floor(total / 2), end: total - Math.floor(total / 2) };
}

/** tfjs conv kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
export const CONV_KERNEL_PERM = [3, 2, 0, 1];

registerLayer('Conv2D', (ctx) => {
  const { tg, config } = ctx;
  if (config.dataFormat && config.dataFormat !== 'channelsLast') throw unsupportedConfig(ctx, `data_format ${config.dataFormat}`);
  const padding = String(config.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') throw unsupportedConfig(ctx, `padding "${padding}"`);
  const x = ctx.inputs[0];
  const [n, , h, w] = tg.shape(x);
  const k = pair(config.kernelSize);
  const s = pair(config.strides ?? 1);
  const d = pair(config.dilationRate ?? 1);
  const rows = axisPadding(Number(h), k[0], s[0], d[0], padding);
  const cols = axisPadding(Number(w), k[1], s[1], d[1], padding);
  const inputs = [x, ctx.weight('kernel', CONV_KERNEL_PERM)];
  if (config.useBias !== false && ctx.hasWeight('bias')) inputs.push(ctx.weight('bias'));
  const dims: Dim[] = [n, Number(config.filters), rows.out, cols.out];
  const y = tg.op(
    'Conv',
    inputs,
    {
      kernel_shape: attr.ints(k),
      strides: attr.ints(s),
      dilations: attr.ints(d),
      pads: attr.ints([rows.begin, cols.begin, rows.end, cols.end]),
    },
    dims,
    `${ctx.scope}/Conv`,
  );
  return [activate(ctx, tg, y, config.activation as string | undefined)];
});
