/**
 * Wall time per kernel call on a synchronous backend (wasm): every kernel registered for the
 * backend is re-registered behind a timer. Calls made from inside another kernel (our wasm kernels
 * call Conv2D, Transpose, …) are recorded as nested, so top-level times add up to the work done.
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'node:perf_hooks';

export interface KernelCall {
  kernel: string;
  /** Input shapes, in the order the kernel receives them. */
  shapes: number[][];
  attrs: Record<string, unknown>;
  ms: number;
  nested: boolean;
}

export function timeKernels(backendName: string): { calls: KernelCall[]; restore: () => void } {
  const calls: KernelCall[] = [];
  const originals = tf.getKernelsForBackend(backendName);
  let depth = 0;
  for (const config of originals) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        depth++;
        const start = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          calls.push({
            kernel: config.kernelName,
            shapes: Object.values(args.inputs).map((t) => (t as tf.TensorInfo | undefined)?.shape ?? []),
            attrs: (args.attrs ?? {}) as Record<string, unknown>,
            ms: performance.now() - start,
            nested: depth > 0,
          });
        }
      },
    });
  }
  const restore = () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
  return { calls, restore };
}

/** FLOPs (2 per multiply-add) of a convolution kernel call, forward or gradient; 0 for other kernels. */
export function convFlops(call: KernelCall): number {
  const strides = (call.attrs.strides ?? [1, 1]) as number[];
  const sizeOut = (size: number, k: number, s: number) => (call.attrs.pad === 'valid' ? Math.floor((size - k) / s) + 1 : Math.ceil(size / s));
  if (call.kernel === 'Conv2D' || call.kernel === 'FusedConv2D') {
    const [[n, h, w], [kh, kw, ci, co]] = call.shapes;
    return 2 * n * sizeOut(h, kh, strides[0]) * sizeOut(w, kw, strides[1]) * kh * kw * ci * co;
  }
  if (call.kernel === 'Conv2DBackpropInput') {
    const [[n, ho, wo], [kh, kw, ci, co]] = call.shapes; // dy, filter
    return 2 * n * ho * wo * kh * kw * ci * co;
  }
  if (call.kernel === 'Conv2DBackpropFilter') {
    const [[n, , , ci], [, ho, wo, co]] = call.shapes; // x, dy
    const [kh, kw] = call.attrs.filterShape as number[];
    return 2 * n * ho * wo * kh * kw * ci * co;
  }
  return 0;
}
