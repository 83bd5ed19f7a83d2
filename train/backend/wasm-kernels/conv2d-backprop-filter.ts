/**
 * Conv2DBackpropFilter for wasm (the stock package registers none, so wasm cannot train a conv net).
 *
 * The filter gradient dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−padT, j·s+b−padL, ci] · dy[n,i,j,co]
 * is itself a forward convolution: take x transposed to [Ci,H,W,N] as the *images* (batch = Ci,
 * channels = N) and dy transposed to [Ho,Wo,N,Co] as the *filter*; the forward stride becomes the
 * dilation. XNNPACK then does the work. The output [Ci,kh,kw,Co] is transposed to [kh,kw,Ci,Co].
 * (The stock Conv3DBackpropFilterV2 is not a way out: it is wrong for strides > 1.)
 * 1×1 filters take another road (pointwiseFilterGradient): there the dilated 'filter' is the
 * whole dy, and a plain GEMM over chunks of positions ran 3.4–5× faster on the default model's shortcuts.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, dispose, float32View, heapBuffer, transpose, type Info } from './wasm-call.js';
import { heapOffset, simdKernels } from './simd/simd-kernels.js';

/** Positions per GEMM: XNNPACK does not block the reduction, so one over all N·Ho·Wo streams its packed operand from memory. */
const POSITIONS_PER_CHUNK = 2048;

/**
 * dW[0,0,ci,co] = Σ_t x[at t, ci] · dy[t, co] over dy's positions t: per chunk of positions, a
 * 1×1 convolution of dyᵀ [Co,1,1,T] (images) with the x rows those positions read [1,1,T,Ci]
 * (filter), giving [Co,1,1,Ci]; the chunks' sums are added and transposed to [1,1,Ci,Co].
 */
function pointwiseFilterGradient(backend: BackendWasm, x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const [n, h, w, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const total = n * ho * wo;
  const sum = new Float64Array(co * ci);
  for (let first = 0; first < total; first += POSITIONS_PER_CHUNK) {
    const count = Math.min(POSITIONS_PER_CHUNK, total - first);
    const images = backend.makeOutput([co, 1, 1, count], 'float32') as Info;
    const rows = backend.makeOutput([1, 1, count, ci], 'float32') as Info;
    // One view of the whole heap (after the allocations, which may grow it): copyWithin moves rows without allocating.
    const heap = new Float32Array(heapBuffer(backend));
    const [xAt, dyAt, imagesAt, rowsAt] = [x, dy, images, rows].map((t) => heapOffset(backend, t) / 4);
    for (let k = 0; k < count; k++) {
      const from = dyAt + (first + k) * co;
      for (let c = 0; c < co; c++) heap[imagesAt + c * count + k] = heap[from + c];
      const t = first + k;
      const y = (Math.floor(t / wo) % ho) * sh - top;
      const xx = (t % wo) * sw - left;
      const to = rowsAt + k * ci;
      if (y < 0 || y >= h || xx < 0 || xx >= w) heap.fill(0, to, to + ci);
      else {
        const src = xAt + ((Math.floor(t / (wo * ho)) * h + y) * w + xx) * ci;
        heap.copyWithin(to, src, src + ci);
      }
    }
    const partial = call('Conv2D', backend, { x: images, filter: rows }, {
      strides: [1, 1],
      pad: 'valid',
      dilations: [1, 1],
      dataFormat: 'NHWC',
    } as unknown as tf.NamedAttrMap); // [Co, 1, 1, Ci]
    dispose(backend, images, rows);
    const values = float32View(backend, partial);
    for (let q = 0; q < sum.length; q++) sum[q] += values[q];
    dispose(backend, partial);
  }
  const out = backend.makeOutput([1, 1, ci, co], 'float32') as Info;
  const dst = float32View(backend, out);
  for (let c = 0; c < co; c++) for (let i = 0; i < ci; i++) dst[i * co + c] = sum[c * ci + i];
  return out;
}

/** [N,H,W,C] → [C,H,W,N]; the stock Transpose took ~11 ns per value for this permutation, the SIMD module ~1. */
function swapFirstLast(backend: BackendWasm, x: Info): Info {
  const simd = tf.util.sizeFromShape(x.shape) > 0 ? simdKernels(backend) : null;
  if (!simd) return transpose(backend, x, [3, 1, 2, 0]);
  const [n, h, w, c] = x.shape;
  const out = backend.makeOutput([c, h, w, n], 'float32') as Info;
  simd.swapFirstLast(heapOffset(backend, x), heapOffset(backend, out), n, h * w, c);
  return out;
}

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  if (kh === 1 && kw === 1) return pointwiseFilterGradient(backend, x, dy, info);
  const [, inH, inW] = x.shape;
  const [, outH, outW] = dy.shape;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows/cols of (padded) x that the last output position reaches; anything beyond is never read.
  let bottom = kh - 1 + (outH - 1) * sh + 1 - inH - top;
  let right = kw - 1 + (outW - 1) * sw + 1 - inW - left;

  let images = swapFirstLast(backend, x); // [Ci, H, W, N]
  if (bottom < 0 || right < 0) {
    // Negative padding = rows/cols no output reads (e.g. `valid`, stride 2, even size): crop them.
    const cropped = call(
      'Slice',
      backend,
      { x: images },
      {
        begin: [0, 0, 0, 0],
        size: [images.shape[0], inH + Math.min(bottom, 0), inW + Math.min(right, 0), images.shape[3]],
      },
    );
    dispose(backend, images);
    images = cropped;
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const kernel = transpose(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const grad = call('Conv2D', backend, { x: images, filter: kernel }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dilations: [sh, sw],
    dataFormat: 'NHWC',
    dimRoundingMode: undefined as unknown as string,
  } as unknown as tf.NamedAttrMap); // [Ci, kh, kw, Co]
  dispose(backend, images, kernel);
  const out = transpose(backend, grad, [1, 2, 0, 3]);
  dispose(backend, grad);
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as tf.KernelFunc,
};
