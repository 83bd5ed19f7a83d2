/**
 * The SIMD kernels of kernels.wat, instantiated on the tfjs-backend-wasm heap: the module imports
 * the backend's WebAssembly.Memory, so it reads and writes tensors in place, by byte offset.
 * The stock wasm reductions, BatchNorm and elementwise arithmetic are scalar loops, and our float64
 * reductions in JS ran at ~4 ns per value; these run f32x4/f64x2 lanes. null when the backend's memory is not reachable
 * (then callers keep their JS path).
 */
import { readFileSync } from 'node:fs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createLogger } from '../../../../core/log.js';
import { internals, type Info } from '../wasm-call.js';

export interface SimdKernels {
  /** out[o·inner+i] = scale · Σ_r x[(o·reduce+r)·inner+i], f64 accumulation; inner % 4 = 0; acc: 8·inner bytes. */
  sumF64(x: number, out: number, acc: number, outer: number, reduce: number, inner: number, scale: number): void;
  /** out = (x − mean[c]) · factor[c] + offset[c] over pixels × channels; channels % 4 = 0. */
  batchNorm(x: number, out: number, mean: number, factor: number, offset: number, pixels: number, channels: number): void;
  /** out[b,p,a] = x[a,p,b]: a [A,P,B] float32 tensor with its first and last axes swapped. */
  swapFirstLast(x: number, out: number, a: number, p: number, b: number): void;
  /**
   * Elementwise a ∘ b (binary-ops.mjs): for `same` and `scalar_*` the last argument is the value
   * count; for `channel_*` it is (pixels, channels) with channels % 4 = 0.
   */
  binary: Record<`${BinaryOp}_${BinaryMode}`, (a: number, b: number, out: number, n: number, channels?: number) => void>;
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
export type BinaryMode = 'same' | 'scalar_right' | 'scalar_left' | 'channel_right' | 'channel_left';

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
const WasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: abstract new (...args: never[]) => object;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

const log = createLogger('backend');
const instances = new WeakMap<object, SimdKernels | null>();

export function simdKernels(backend: BackendWasm): SimdKernels | null {
  const memory = internals(backend).wasm.wasmMemory;
  if (memory == null || !(memory instanceof WasmApi.Memory)) return null;
  if (instances.has(memory)) return instances.get(memory)!;
  let kernels: SimdKernels | null = null;
  const file = memory.buffer instanceof SharedArrayBuffer ? 'kernels-shared.wasm' : 'kernels.wasm';
  try {
    const bytes = readFileSync(new URL(`./${file}`, import.meta.url));
    const { exports } = new WasmApi.Instance(new WasmApi.Module(bytes), { env: { memory } });
    kernels = {
      sumF64: exports.sum_f64 as SimdKernels['sumF64'],
      batchNorm: exports.batch_norm as SimdKernels['batchNorm'],
      swapFirstLast: exports.swap_first_last as SimdKernels['swapFirstLast'],
      binary: exports as unknown as SimdKernels['binary'],
    };
  } catch (e) {
    log.warn(
      `SIMD reduction/BatchNorm/arithmetic kernels unavailable (${(e as Error).message.split('\n')[0]}); using slower JS loops. Rebuild with npm run build.`,
    );
  }
  instances.set(memory, kernels);
  return kernels;
}

/** Byte offset of a tensor in the wasm heap. */
export function heapOffset(backend: BackendWasm, info: Info): number {
  return internals(backend).dataIdMap.get(info.dataId).memoryOffset;
}
