/**
 * Weights and biases of a QDQ graph: weights int8, symmetric, one scale per output channel;
 * biases int32 at scale input_scale × weight_scale (zero point 0), which is what the integer
 * kernels add into their int32 accumulators unchanged.
 */
import type { IrTensor } from '../../onnx/ir.js';
import { computeQuantParams, quantizeValue, roundHalfEven } from './arithmetic.js';

export interface PerChannelWeights {
  data: Int8Array;
  scales: Float32Array;
}

/** Per-channel symmetric int8 along `axis` of a float tensor. */
export function quantizeWeightsPerChannel(w: IrTensor, axis: number): PerChannelWeights {
  const data = w.data as Float32Array;
  const dims = w.dims;
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const absmax = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) absmax[channelOf(i)] = Math.max(absmax[channelOf(i)], Math.abs(data[i]));
  const params = Array.from(absmax, (m) => computeQuantParams(-m, m, 'int8', true));
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = quantizeValue(data[i], params[channelOf(i)]);
  return { data: out, scales: Float32Array.from(params, (p) => p.scale) };
}

const INT32_MAX = 2 ** 31 - 1;

export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { data: Int32Array; scales: Float32Array } {
  const scales = Float32Array.from(weightScales, (s) => Math.fround(inputScale * s));
  const data = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const q = scales[i] > 0 ? roundHalfEven(bias[i] / scales[i]) : 0;
    data[i] = Math.max(-INT32_MAX, Math.min(INT32_MAX, q));
  }
  return { data, scales };
}
