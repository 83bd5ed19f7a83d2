/**
 * Conv2DBackpropInput for wasm, through XNNPACK. The stock kernel is a scalar loop: on the seed
 * model it took 15.2 s of a 22.3 s training step.
 *
 * dx[n,y,x,ci] = Σ_{a,b,co} dy[n,i,j,co] · W[a,b,ci,co] over y = i·s+a−padT, x = j·s+b−padL.
 * That is a stride-1 forward convolution of dy — dilated by the stride (s−1 zeros between rows and
 * between columns) — with W rotated 180° and its channel axes swapped ([kh,kw,Co,Ci]), padded by
 * kh−1−padT on top (kw−1−padL on the left) and so that the output is exactly H×W. Where that
 * padding would be negative, the rows/cols it removes are ones no output reads, so we crop them.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, dispose, float32View, reshape, type Info } from './wasm-call.js';

/** Inserts s−1 zeros after every row (sh) and column (sw) of dy: [N,Ho,Wo,C] → [N,Ho·sh,Wo·sw,C]. */
function dilate(backend: BackendWasm, dy: Info, sh: number, sw: number): Info {
  const [n, h, w, c] = dy.shape;
  let cur = dy;
  const owned: Info[] = [];
  if (sw > 1) {
    const cols = reshape(backend, cur, [n * h, w, 1, c]);
    const padded = call('PadV2', backend, { x: cols }, { paddings: [[0, 0], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    dispose(backend, cols);
    owned.push(padded);
    cur = padded;
  }
  if (sh > 1) {
    const rows = reshape(backend, cur, [n * h, 1, w * sw * c]);
    const padded = call('PadV2', backend, { x: rows }, { paddings: [[0, 0], [0, sh - 1], [0, 0]], constantValue: 0 });
    dispose(backend, rows);
    owned.push(padded);
    cur = padded;
  }
  const out = reshape(backend, cur, [n, h * sh, w * sw, c]);
  dispose(backend, ...owned);
  return out;
}

/**
 * The filter rotated 180° with in/out channels swapped, [kh,kw,Ci,Co] → [kh,kw,Co,Ci], in one JS
 * pass (the stock Reverse + Transpose took ~17 ms for a 3×3×256×256 filter; this takes ~2).
 */
function rotateFilter(backend: BackendWasm, filter: Info): Info {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32') as Info;
  const src = float32View(backend, filter);
  const dst = float32View(backend, out);
  const plane = ci * co;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * plane;
      const to = (a * kw + b) * plane;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o];
      }
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
    inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const [, inH, inW] = inputShape;

  const kernel = rotateFilter(backend, filter);

  let images = sh > 1 || sw > 1 ? dilate(backend, dy, sh, sw) : dy;
  const [, len, wid] = images.shape;
  let top = kh - 1 - info.padInfo.top;
  let left = kw - 1 - info.padInfo.left;
  let bottom = inH + kh - 1 - len - top;
  let right = inW + kw - 1 - wid - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    const begin = [0, Math.max(-top, 0), Math.max(-left, 0), 0];
    const size = [images.shape[0], len - begin[1] - Math.max(-bottom, 0), wid - begin[2] - Math.max(-right, 0), images.shape[3]];
    const cropped = call('Slice', backend, { x: images }, { begin, size });
    if (images !== dy) dispose(backend, images);
    images = cropped;
    [top, left, bottom, right] = [top, left, bottom, right].map((p) => Math.max(p, 0));
  }
  const out = call('Conv2D', backend, { x: images, filter: kernel }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dilations: [1, 1],
    dataFormat: 'NHWC',
  } as unknown as tf.NamedAttrMap);
  if (images !== dy) dispose(backend, images);
  dispose(backend, kernel);
  return out;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as tf.KernelFunc,
};
