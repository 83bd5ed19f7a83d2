import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { configSchema } from '../../core/config/index.js';
import { buildResNet } from '../../train/model/index.js';
import { computeGradients, softmaxCrossEntropy } from '../../train/loop/step.js';

await tf.setBackend('cpu');

const model = () => {
  // No BatchNorm and no dropout: the batch gradient then does not depend on how the batch is split.
  const cfg = configSchema.parse({ model: { blocks: [1], widths: [4], dropout: 0, batchnorm: false } }).model;
  return buildResNet(cfg, { inputShape: [6, 6, 3], numClasses: 5 }, { seed: 4 });
};
const paramsOf = (m: tf.LayersModel) => m.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
const batch = () => ({ x: tf.randomNormal([12, 6, 6, 3], 0, 1, 'float32', 8) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1], 'int32') });
const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));

test('micro-batches accumulate to the full-batch gradient and loss', () => {
  const m = model();
  const p = paramsOf(m);
  const b = batch();
  const whole = computeGradients(m, p, b, { numClasses: 5, labelSmoothing: 0, microBatch: 0, gradClip: 0 });
  const split = computeGradients(m, p, b, { numClasses: 5, labelSmoothing: 0, microBatch: 5, gradClip: 0 }); // 5 + 5 + 2
  assert.ok(Math.abs(whole.loss - split.loss) < 1e-5);
  assert.equal(whole.correct, split.correct);
  const [a, c] = [flat(whole.grads), flat(split.grads)];
  a.forEach((v, i) => {
    assert.ok(Math.abs(v - c[i]) < 1e-5 * (1 + Math.abs(v)), `grad ${i}: ${v} vs ${c[i]}`);
  });
  tf.dispose([...whole.grads, ...split.grads, b.x, b.y]);
  m.dispose();
});

test('gradient clipping scales the global norm down to grad_clip, and leaves small gradients alone', () => {
  const m = model();
  const p = paramsOf(m);
  const b = batch();
  const free = computeGradients(m, p, b, { numClasses: 5, labelSmoothing: 0, microBatch: 0, gradClip: 0 });
  const clip = free.gradNorm / 4;
  const clipped = computeGradients(m, p, b, { numClasses: 5, labelSmoothing: 0, microBatch: 0, gradClip: clip });
  const norm = Math.sqrt(flat(clipped.grads).reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(norm - clip) < 1e-4 * clip, `${norm} vs ${clip}`);
  assert.ok(Math.abs(clipped.gradNorm - free.gradNorm) < 1e-6 * free.gradNorm, 'reports the norm before clipping');
  const [f, c] = [flat(free.grads), flat(clipped.grads)];
  f.forEach((v, i) => {
    assert.ok(Math.abs(v / 4 - c[i]) < 1e-5 * (1 + Math.abs(v)), 'same direction');
  });
  const loose = computeGradients(m, p, b, { numClasses: 5, labelSmoothing: 0, microBatch: 0, gradClip: free.gradNorm * 2 });
  assert.deepEqual(flat(loose.grads), f);
  tf.dispose([...free.grads, ...clipped.grads, ...loose.grads, b.x, b.y]);
  m.dispose();
});

test('softmax cross-entropy from logits with label smoothing matches the definition', () => {
  const logits = [
    [2, -1, 0.5],
    [0, 0, 3],
  ];
  const labels = [0, 1];
  const eps = 0.1;
  let want = 0;
  for (let i = 0; i < 2; i++) {
    const lse = Math.log(logits[i].reduce((s, v) => s + Math.exp(v), 0));
    for (let c = 0; c < 3; c++) {
      const target = (c === labels[i] ? 1 - eps : 0) + eps / 3;
      want -= target * (logits[i][c] - lse);
    }
  }
  want /= 2;
  const got = softmaxCrossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), 3, eps).dataSync()[0];
  assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  const plain = softmaxCrossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), 3, 0).dataSync()[0];
  const wantPlain = (Math.log(Math.exp(2) + Math.exp(-1) + Math.exp(0.5)) - 2 + Math.log(2 + Math.exp(3))) / 2;
  assert.ok(Math.abs(plain - wantPlain) < 1e-6);
});
