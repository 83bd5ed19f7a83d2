/**
 * Helpers to compare the wasm backend with `cpu`. Inputs are always rebuilt from plain arrays inside
 * each backend: a tensor created in one backend and read in another gave wrong differences.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng.js';

export function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Runs `fn` on `backend`; it returns tensors whose values come back as plain arrays. */
export async function onBackend(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return values;
}

/** max|a−b| / max(|b|, tiny): one number per output, robust to near-zero entries. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
