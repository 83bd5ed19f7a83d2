/**
 * Sum and Mean for wasm that accumulate in float64. The stock kernels accumulate in float32; through
 * BatchNorm's gradient (sums over N·H·W = 131 072 values per channel at batch 32) that put one
 * weight gradient of the default model 2.5e-2 off the `cpu` backend. With float64 accumulation every
 * weight gradient matches `cpu` to ~1e-5. Reductions over all but the channel axis (BatchNorm's, the
 * bulk: inner a multiple of 4) run in the SIMD module (simd/kernels.wat, f64x2 lanes, ~8× the JS loop,
 * which ran at ~4 ns per value); the others in JS over the wasm heap. Both add in the same order,
 * so they give the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { dispose, float32View, transpose, type Info } from './wasm-call.js';
import { heapOffset, simdKernels } from './simd/simd-kernels.js';

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/**
 * Splits shape into [outer, reduce, inner] when the reduced axes are contiguous once size-1 axes
 * are ignored; null otherwise.
 */
function contiguousSplit(shape: number[], axes: number[]): [number, number, number] | null {
  const reduced = new Set(axes);
  let outer = 1;
  let reduce = 1;
  let inner = 1;
  let phase: 'outer' | 'reduce' | 'inner' = 'outer';
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    if (reduced.has(d)) {
      if (phase === 'inner') return null;
      phase = 'reduce';
      reduce *= size;
    } else if (phase === 'outer') outer *= size;
    else {
      phase = 'inner';
      inner *= size;
    }
  }
  return [outer, reduce, inner];
}

/** out[o,i] = Σ_r x[o,r,i] (× scale), accumulated in float64. */
function reduceInto(x: Float32Array, out: Float32Array, outer: number, reduce: number, inner: number, scale: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      const base = o * reduce;
      for (let r = 0; r < reduce; r++) acc += x[base + r];
      out[o] = acc * scale;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let r = 0; r < reduce; r++) {
      const base = (o * reduce + r) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    const outBase = o * inner;
    for (let i = 0; i < inner; i++) out[outBase + i] = acc[i] * scale;
  }
}

function makeReduceKernel(name: string, stock: tf.KernelConfig, isMean: boolean): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as Info;
    const { axis, keepDims } = args.attrs as unknown as ReduceAttrs;
    if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) {
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const axes = tf.util.parseAxisParam(axis, x.shape);
    let input = x;
    let split = contiguousSplit(x.shape, axes);
    if (split == null) {
      // Reduced axes interleaved with kept ones: move them innermost first (one wasm transpose).
      const perm = tf.backend_util.getAxesPermutation(axes, x.shape.length)!;
      input = transpose(backend, x, perm);
      const inner = tf.backend_util.getInnerMostAxes(axes.length, x.shape.length);
      split = contiguousSplit(input.shape, inner)!;
    }
    const [outer, reduce, inner] = split;
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const out = backend.makeOutput(shape, 'float32') as Info;
    const scale = isMean ? 1 / reduce : 1;
    const simd = inner % 4 === 0 ? simdKernels(backend) : null;
    if (simd) {
      const acc = backend.makeOutput([2 * inner], 'float32') as Info; // inner float64 accumulators
      simd.sumF64(heapOffset(backend, input), heapOffset(backend, out), heapOffset(backend, acc), outer, reduce, inner, scale);
      dispose(backend, acc);
    } else {
      // Views after the allocation: allocating may grow (and so replace) the heap buffer.
      reduceInto(float32View(backend, input), float32View(backend, out), outer, reduce, inner, scale);
    }
    if (input !== x) dispose(backend, input);
    return out;
  };
  return { kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc, setupFunc: stock.setupFunc };
}

/** Builds the float64 Sum and Mean around the stock kernels (kept for int32/bool inputs). */
export function float64ReduceConfigs(): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [];
  for (const [name, isMean] of [
    [tf.Sum, false],
    [tf.Mean, true],
  ] as const) {
    const stock = tf.getKernel(name, 'wasm');
    if (stock == null) throw new Error(`tfjs-backend-wasm has no ${name} kernel to wrap`);
    configs.push(makeReduceKernel(name, { ...stock }, isMean));
  }
  return configs;
}
