/**
 * ONNX graphs for one convolution's forward pass and both of its gradients, built from standard
 * ops so onnxruntime-node's native CPU kernels (MLAS) compute them — the measurement behind
 * "could native ONNX Runtime train where wasm cannot keep up?" (bench/ort-conv-grad.ts).
 * Layout NCHW, weights [Co, Ci, k, k], 'same' padding as tf.layers pads it (extra row/column at the end).
 *   forward  y  = Conv(x, w)
 *   input    dx = stride 1: Conv(dy, w flipped 180° with Ci/Co swapped), padded k−1−pad;
 *                 stride s: ConvTranspose(dy, w) with the output padding that restores H×W
 *   filter   dw[:, :, a, b] = dyᵀ · x_ab, one MatMul per tap over the N·Ho·Wo positions, x_ab the
 *                 padded input shifted by (a, b) and strided
 */
import { GraphBuilder } from '../onnx/builder.js';
import { attr } from '../onnx/ir.js';
import { serializeModel } from '../onnx/serialize.js';

export interface ConvShape {
  n: number;
  ci: number;
  co: number;
  /** Input height = width. */
  size: number;
  k: number;
  stride: number;
}

export type ConvPart = 'forward' | 'input' | 'filter';

/** TF 'same' padding: total max((out−1)·s + k − size, 0), the odd one at the end. */
export function samePadding(c: ConvShape): { out: number; begin: number; end: number } {
  const out = Math.ceil(c.size / c.stride);
  const total = Math.max((out - 1) * c.stride + c.k - c.size, 0);
  return { out, begin: Math.floor(total / 2), end: total - Math.floor(total / 2) };
}

/** FLOPs of any one of the three parts (2 per multiply-add). */
export function convFlops(c: ConvShape): number {
  const { out } = samePadding(c);
  return 2 * c.n * out * out * c.k * c.k * c.ci * c.co;
}

/** A model with inputs x [N,Ci,H,W], w [Co,Ci,k,k], dy [N,Co,Ho,Wo] and the asked parts as outputs y, dx, dw. */
export function convGradModel(c: ConvShape, parts: ConvPart[]): Uint8Array {
  const g = new GraphBuilder('conv_grad');
  const { out, begin, end } = samePadding(c);
  g.addInput({ name: 'x', dtype: 'float32', dims: [c.n, c.ci, c.size, c.size] });
  g.addInput({ name: 'w', dtype: 'float32', dims: [c.co, c.ci, c.k, c.k] });
  g.addInput({ name: 'dy', dtype: 'float32', dims: [c.n, c.co, out, out] });
  const ints = attr.ints;
  if (parts.includes('forward')) {
    g.node(
      'Conv',
      ['x', 'w'],
      { kernel_shape: ints([c.k, c.k]), strides: ints([c.stride, c.stride]), pads: ints([begin, begin, end, end]) },
      { outputs: ['y'] },
    );
    g.addOutput({ name: 'y', dtype: 'float32', dims: [c.n, c.co, out, out] });
  }
  if (parts.includes('input')) {
    if (c.stride === 1) {
      const flipped = g.op('Slice', [
        'w',
        g.constInt64('start', [-1, -1]),
        g.constInt64('stop', [-c.k - 1, -c.k - 1]),
        g.constInt64('axes', [2, 3]),
        g.constInt64('steps', [-1, -1]),
      ]);
      const swapped = g.transpose(flipped, [1, 0, 2, 3]);
      const [top, bottom] = [c.k - 1 - begin, c.k - 1 - end];
      g.node('Conv', ['dy', swapped], { kernel_shape: ints([c.k, c.k]), pads: ints([top, top, bottom, bottom]) }, { outputs: ['dx'] });
    } else {
      // ConvTranspose output = (out−1)·s + k − padsBegin − padsEnd + output_padding; make it `size`.
      const outputPadding = c.size - ((out - 1) * c.stride + c.k - begin - end);
      g.node(
        'ConvTranspose',
        ['dy', 'w'],
        {
          kernel_shape: ints([c.k, c.k]),
          strides: ints([c.stride, c.stride]),
          pads: ints([begin, begin, end, end]),
          output_padding: ints([outputPadding, outputPadding]),
        },
        { outputs: ['dx'] },
      );
    }
    g.addOutput({ name: 'dx', dtype: 'float32', dims: [c.n, c.ci, c.size, c.size] });
  }
  if (parts.includes('filter')) {
    const dyRows = g.op('Reshape', [g.transpose('dy', [1, 0, 2, 3]), g.constInt64('rows', [c.co, -1])]); // [Co, N·Ho·Wo]
    const padded = begin + end > 0 ? g.op('Pad', ['x', g.constInt64('pads', [0, 0, begin, begin, 0, 0, end, end])]) : 'x';
    const channelsLast = g.transpose(padded, [0, 2, 3, 1]); // [N, Hp, Wp, Ci]
    const taps: string[] = [];
    for (let a = 0; a < c.k; a++) {
      for (let b = 0; b < c.k; b++) {
        const last = (out - 1) * c.stride;
        const shifted = g.op('Slice', [
          channelsLast,
          g.constInt64('start', [a, b]),
          g.constInt64('stop', [a + last + 1, b + last + 1]),
          g.constInt64('axes', [1, 2]),
          g.constInt64('steps', [c.stride, c.stride]),
        ]);
        const positions = g.op('Reshape', [shifted, g.constInt64('cols', [-1, c.ci])]); // [N·Ho·Wo, Ci]
        taps.push(g.op('Unsqueeze', [g.op('MatMul', [dyRows, positions]), g.constInt64('axis', [2])])); // [Co, Ci, 1]
      }
    }
    const stacked = taps.length === 1 ? taps[0] : g.op('Concat', taps, { axis: attr.int(2) }); // [Co, Ci, k·k]
    g.node('Reshape', [stacked, g.constInt64('dw_shape', [c.co, c.ci, c.k, c.k])], {}, { outputs: ['dw'] });
    g.addOutput({ name: 'dw', dtype: 'float32', dims: [c.co, c.ci, c.k, c.k] });
  }
  return serializeModel(g.graph, { producerName: 'tinynet-bench', producerVersion: '0', metadata: {} });
}
