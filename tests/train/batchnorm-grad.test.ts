import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { installBatchNormGradient, restoreOriginalBatchNormGradient } from '../../train/loop/batchnorm-grad.js';

/** Gradients of Σ w·batchNorm(x, μ, σ², β, γ) for all five inputs, with whichever gradient is registered. */
function bnGrads(shapes: { x: number[]; p: number[] }, mode: 'scale' | 'none' | 'ones', seed: number): number[][] {
  return tf.tidy(() => {
    const x = tf.randomNormal(shapes.x, 0, 1, 'float32', seed);
    const mean = tf.randomNormal(shapes.p, 0, 1, 'float32', seed + 1);
    const variance = tf.add(tf.randomUniform(shapes.p, 0.2, 2, 'float32', seed + 2), 0);
    const offset = tf.randomNormal(shapes.p, 0, 1, 'float32', seed + 3);
    const scale = mode === 'ones' ? tf.ones(shapes.p) : tf.randomNormal(shapes.p, 1, 0.5, 'float32', seed + 4);
    const w = tf.randomNormal(shapes.x, 0, 1, 'float32', seed + 5);
    const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(w, tf.batchNorm(a as tf.Tensor4D, m, v, o, mode === 'none' ? undefined : s, 1e-5)));
    if (mode === 'none') {
      const g = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor) => f(a, m, v, o, scale))([x, mean, variance, offset]);
      return g.map((t) => Array.from(t.dataSync()));
    }
    const g = tf.grads(f)([x, mean, variance, offset, scale]);
    return g.slice(0, mode === 'scale' ? 5 : 4).map((t) => Array.from(t.dataSync()));
  });
}

test('the lean FusedBatchNorm gradient equals tfjs’s own (per-channel and full-shape statistics)', () => {
  const cases = [
    { x: [2, 5, 3, 4], p: [4] },
    { x: [3, 2, 2, 6], p: [6] },
    { x: [1, 3, 3, 2], p: [1, 3, 3, 2] },
  ];
  for (const [i, shapes] of cases.entries()) {
    // (Without a scale tensor tfjs fails while recording the forward pass, whatever the gradient;
    // BatchNormalization layers always pass one.)
    for (const [mine, theirs] of [
      ['scale', 'scale'],
      ['ones', 'ones'],
    ] as const) {
      restoreOriginalBatchNormGradient();
      const want = bnGrads(shapes, theirs, 10 * i + 1);
      installBatchNormGradient();
      const got = bnGrads(shapes, mine, 10 * i + 1);
      got.forEach((g, k) => {
        g.forEach((v, j) => {
          assert.ok(Math.abs(v - want[k][j]) <= 1e-4 * (1 + Math.abs(want[k][j])), `case ${i} input ${k}[${j}]: ${v} vs ${want[k][j]}`);
        });
      });
    }
  }
});
