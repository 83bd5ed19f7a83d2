/**
 * Add, Sub, Multiply and RealDiv for wasm in SIMD lanes (simd/binary-ops.mjs), for the float32
 * layouts a training step is made of: equal shapes, a scalar on either side, or one value per
 * channel (a [C] or [1,…,1,C] tensor against [N,H,W,C]) on either side. The stock kernels are scalar
 * loops with broadcasting index arithmetic (~1.3 ns per value; Multiply alone was 1.45 s of a 24 s
 * seed-model step). Everything else (int32, other broadcasts, channels not a multiple of 4) goes to
 * the stock kernel. IEEE lane operations: results are bit-identical to the stock kernels'.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Info } from './wasm-call.js';
import { heapOffset, simdKernels, type BinaryMode, type BinaryOp } from './simd/simd-kernels.js';

const OPS: [string, BinaryOp][] = [
  [tf.Add, 'add'],
  [tf.Sub, 'sub'],
  [tf.Multiply, 'mul'],
  [tf.RealDiv, 'div'],
];

/** Which SIMD loop fits these shapes, or null. */
export function binaryMode(a: number[], b: number[], out: number[]): BinaryMode | null {
  const size = tf.util.sizeFromShape;
  const n = size(out);
  const channels = out[out.length - 1] ?? 1;
  const perChannel = (s: number[]) => s.length > 0 && s[s.length - 1] === channels && size(s) === channels;
  if (tf.util.arraysEqual(a, out) && tf.util.arraysEqual(b, out)) return 'same';
  if (size(a) === n && size(b) === 1) return 'scalar_right';
  if (size(b) === n && size(a) === 1) return 'scalar_left';
  if (channels % 4 !== 0 || channels === n) return null;
  if (tf.util.arraysEqual(a, out) && perChannel(b)) return 'channel_right';
  if (tf.util.arraysEqual(b, out) && perChannel(a)) return 'channel_left';
  return null;
}

function simdBinaryConfig(kernelName: string, op: BinaryOp, stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: Info; b: Info };
    const simd = a.dtype === 'float32' && b.dtype === 'float32' ? simdKernels(backend) : null;
    const outShape = simd ? tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape) : [];
    const mode = simd && tf.util.sizeFromShape(outShape) > 0 ? binaryMode(a.shape, b.shape, outShape) : null;
    if (!simd || !mode) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    const out = backend.makeOutput(outShape, 'float32') as Info;
    const n = tf.util.sizeFromShape(outShape);
    const channels = outShape[outShape.length - 1];
    const fn = simd.binary[`${op}_${mode}`];
    const [pa, pb, po] = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)];
    if (mode.startsWith('channel')) fn(pa, pb, po, n / channels, channels);
    else fn(pa, pb, po, n);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc, setupFunc: stock.setupFunc };
}

/** The four configs, each wrapping the stock kernel it falls back to. */
export function binaryOpConfigs(stock: (name: string) => tf.KernelConfig): tf.KernelConfig[] {
  return OPS.map(([name, op]) => simdBinaryConfig(name, op, stock(name)));
}
