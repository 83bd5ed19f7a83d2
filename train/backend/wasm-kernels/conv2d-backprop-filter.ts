/**
 * Conv2DBackpropFilter for wasm (the stock package registers none, so wasm cannot train a conv net).
 *
 * The filter gradient dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−padT, j·s+b−padL, ci] · dy[n,i,j,co]
 * is itself a forward convolution: take x transposed to [Ci,H,W,N] as the *images* (batch = Ci,
 * channels = N) and dy transposed to [Ho,Wo,N,Co] as the *filter*; the forward stride becomes the
 * dilation. XNNPACK then does the work. The output [Ci,kh,kw,Co] is transposed to [kh,kw,Ci,Co].
 * (The stock Conv3DBackpropFilterV2 is not a way out: it is wrong for strides > 1.)
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, dispose, transpose, type Info } from './wasm-call.js';

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const [, inH, inW] = x.shape;
  const [, outH, outW] = dy.shape;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows/cols of (padded) x that the last output position reaches; anything beyond is never read.
  let bottom = (kh - 1) + (outH - 1) * sh + 1 - inH - top;
  let right = (kw - 1) + (outW - 1) * sw + 1 - inW - left;

  let images = transpose(backend, x, [3, 1, 2, 0]); // [Ci, H, W, N]
  if (bottom < 0 || right < 0) {
    // Negative padding = rows/cols no output reads (e.g. `valid`, stride 2, even size): crop them.
    const cropped = call('Slice', backend, { x: images }, {
      begin: [0, 0, 0, 0],
      size: [images.shape[0], inH + Math.min(bottom, 0), inW + Math.min(right, 0), images.shape[3]],
    });
    dispose(backend, images);
    images = cropped;
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const kernel = transpose(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const grad = call('Conv2D', backend, { x: images, filter: kernel }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
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
