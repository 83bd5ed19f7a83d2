/**
 * Conv2DBackpropInput for wasm, through XNNPACK. The stock kernel is a scalar loop: on the seed
 * model it took 15.2 s of a 22.3 s training step.
 *
 * dx[n,y,x,ci] = Σ_{a,b,co} dy[n,i,j,co] · W[a,b,ci,co] over y = i·s+a−padT, x = j·s+b−padL.
 * Stride 1: a forward convolution of dy with W rotated 180° and its channel axes swapped
 * ([kh,kw,Co,Ci]), padded by kh−1−padT on top (kw−1−padL on the left) and so that the output is
 * exactly H×W; where that padding would be negative, the rows/cols it removes are ones no output
 * reads, so we crop them.
 * Stride s > 1: the outputs of one phase (y+padT ≡ py, x+padL ≡ px mod s) see only the taps
 * a ≡ py, b ≡ px, so each of the s² phases is a stride-1 convolution of dy with that sub-filter, and
 * the phases interleave into dx. Dilating dy with zeros instead (one big convolution) multiplied
 * by zeros 3/4 of the time at stride 2.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, dispose, float32View, type Info } from './wasm-call.js';

/**
 * The taps a = py + sh·u, b = px + sw·v of the filter, rotated 180° with in/out channels swapped:
 * [kh,kw,Ci,Co] → [khp,kwp,Co,Ci], in one JS pass (the stock Reverse + Transpose took ~17 ms for
 * a 3×3×256×256 filter; this takes ~2). With py = px = 0 and stride 1 that is the whole filter.
 */
function phaseFilter(backend: BackendWasm, filter: Info, py: number, px: number, sh: number, sw: number): Info {
  const [kh, kw, ci, co] = filter.shape;
  const khp = Math.ceil((kh - py) / sh);
  const kwp = Math.ceil((kw - px) / sw);
  const out = backend.makeOutput([khp, kwp, co, ci], 'float32') as Info;
  const src = float32View(backend, filter);
  const dst = float32View(backend, out);
  const plane = ci * co;
  for (let u = 0; u < khp; u++) {
    for (let v = 0; v < kwp; v++) {
      const from = ((py + sh * (khp - 1 - u)) * kw + (px + sw * (kwp - 1 - v))) * plane;
      const to = (u * kwp + v) * plane;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o];
      }
    }
  }
  return out;
}

/** Stride-1 convolution of x with explicit padding; negative padding crops rows/cols of x. */
function paddedConv(backend: BackendWasm, x: Info, kernel: Info, pads: [number, number, number, number]): Info {
  let [top, bottom, left, right] = pads;
  let images = x;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    const [n, h, w, c] = x.shape;
    const begin = [0, Math.max(-top, 0), Math.max(-left, 0), 0];
    const size = [n, h - begin[1] - Math.max(-bottom, 0), w - begin[2] - Math.max(-right, 0), c];
    images = call('Slice', backend, { x }, { begin, size });
    [top, bottom, left, right] = [top, bottom, left, right].map((p) => Math.max(p, 0));
  }
  const out = call('Conv2D', backend, { x: images, filter: kernel }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dilations: [1, 1],
    dataFormat: 'NHWC',
  } as unknown as tf.NamedAttrMap);
  if (images !== x) dispose(backend, images);
  return out;
}

/** Output positions of one phase along one axis: m = first … first+count−1, at m·s + p − pad. */
function phaseRange(size: number, pad: number, p: number, s: number): { first: number; count: number } {
  const first = Math.max(0, Math.ceil((pad - p) / s));
  const last = Math.floor((size - 1 + pad - p) / s);
  return { first, count: Math.max(0, last - first + 1) };
}

function strided(backend: BackendWasm, dy: Info, filter: Info, inputShape: number[], info: tf.backend_util.Conv2DInfo): Info {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top: padT, left: padL } = info.padInfo;
  const [n, inH, inW, ci] = inputShape;
  const [, outH, outW] = dy.shape;
  const out = backend.makeOutput(inputShape, 'float32') as Info;
  float32View(backend, out).fill(0); // phases with no tap (e.g. 1×1 filters) stay zero
  for (let py = 0; py < Math.min(sh, kh); py++) {
    for (let px = 0; px < Math.min(sw, kw); px++) {
      const rows = phaseRange(inH, padT, py, sh);
      const cols = phaseRange(inW, padL, px, sw);
      if (rows.count === 0 || cols.count === 0) continue;
      const kernel = phaseFilter(backend, filter, py, px, sh, sw);
      const [khp, kwp] = kernel.shape;
      const top = khp - 1 - rows.first;
      const left = kwp - 1 - cols.first;
      // [N, rows.count, cols.count, Ci]
      const phase = paddedConv(backend, dy, kernel, [top, rows.count + khp - 1 - outH - top, left, cols.count + kwp - 1 - outW - left]);
      dispose(backend, kernel);
      const src = float32View(backend, phase);
      const dst = float32View(backend, out);
      let from = 0;
      for (let b = 0; b < n; b++) {
        for (let m = 0; m < rows.count; m++) {
          const y = (rows.first + m) * sh + py - padT;
          for (let l = 0; l < cols.count; l++) {
            const to = ((b * inH + y) * inW + (cols.first + l) * sw + px - padL) * ci;
            for (let c = 0; c < ci; c++) dst[to + c] = src[from + c];
            from += ci;
          }
        }
      }
      dispose(backend, phase);
    }
  }
  return out;
}

function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropInput supports NHWC only');
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (info.strideHeight > 1 || info.strideWidth > 1) return strided(backend, dy, filter, inputShape, info);
  const { filterHeight: kh, filterWidth: kw } = info;
  const [, inH, inW] = inputShape;
  const [, outH, outW] = dy.shape;
  const kernel = phaseFilter(backend, filter, 0, 0, 1, 1);
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const out = paddedConv(backend, dy, kernel, [top, inH + kh - 1 - outH - top, left, inW + kw - 1 - outW - left]);
  dispose(backend, kernel);
  return out;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as tf.KernelFunc,
};
