/**
 * FusedBatchNorm (the forward normalization) for wasm in SIMD lanes: the stock kernel is a scalar
 * loop with an index modulo per value (~18 ms for 8×64×64×64 values, 84 calls per seed-model step).
 * Per channel c: factor = scale / √(variance + ε); then out = (x − mean) · factor + offset, four
 * channels at a time (simd/kernels.wat). Mean, variance, offset and scale of any other layout than
 * one value per channel (or one in all), or channel counts not a multiple of 4, go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { dispose, float32View, type Info } from './wasm-call.js';
import { heapOffset, simdKernels } from './simd/simd-kernels.js';

interface Inputs {
  x: Info;
  mean: Info;
  variance: Info;
  offset?: Info;
  scale?: Info;
}

/** One value per channel from a per-channel (size C) or single-value (size 1) tensor; `fill` when absent. */
function perChannel(backend: BackendWasm, t: Info | undefined, channels: number, fill: number): Float64Array | null {
  const out = new Float64Array(channels).fill(fill);
  if (t == null) return out;
  const size = tf.util.sizeFromShape(t.shape);
  if (size !== channels && size !== 1) return null;
  const values = float32View(backend, t);
  for (let c = 0; c < channels; c++) out[c] = values[size === 1 ? 0 : c];
  return out;
}

export function batchNormConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info => {
    const backend = args.backend as BackendWasm;
    const { x, mean, variance, offset, scale } = args.inputs as unknown as Inputs;
    const epsilon = (args.attrs as { varianceEpsilon?: number } | undefined)?.varianceEpsilon ?? 0.001;
    const channels = x.shape[x.shape.length - 1] ?? 0;
    const simd = x.dtype === 'float32' && channels > 0 && channels % 4 === 0 ? simdKernels(backend) : null;
    const size = tf.util.sizeFromShape(x.shape);
    const means = simd ? perChannel(backend, mean, channels, 0) : null;
    const variances = simd ? perChannel(backend, variance, channels, 1) : null;
    const offsets = simd ? perChannel(backend, offset, channels, 0) : null;
    const scales = simd ? perChannel(backend, scale, channels, 1) : null;
    if (!simd || size === 0 || !means || !variances || !offsets || !scales) {
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const params = backend.makeOutput([3, channels], 'float32') as Info; // mean, factor, offset
    const out = backend.makeOutput(x.shape, 'float32') as Info;
    const p = float32View(backend, params);
    for (let c = 0; c < channels; c++) {
      p[c] = means[c];
      p[channels + c] = scales[c] / Math.sqrt(variances[c] + epsilon);
      p[2 * channels + c] = offsets[c];
    }
    const base = heapOffset(backend, params);
    simd.batchNorm(heapOffset(backend, x), heapOffset(backend, out), base, base + 4 * channels, base + 8 * channels, size / channels, channels);
    dispose(backend, params);
    return out;
  };
  return { kernelName: tf.FusedBatchNorm, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc, setupFunc: stock.setupFunc };
}
