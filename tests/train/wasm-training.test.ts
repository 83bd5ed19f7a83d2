import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import { selectBackend } from '../../train/backend/select.js';
import { onBackend, randomArray, relativeError } from '../helpers/backend-compare.js';
import { tinyResNet } from './tiny-resnet.js';

process.env.TINYNET_LOG = 'warn';

before(async () => {
  await selectBackend('wasm', { threads: 2 });
});

const SIZE = 12;
const CLASSES = 5;
const BATCH = 3;

function softmaxCrossEntropy(labels: number[], logits: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), logits) as tf.Scalar;
}

test('every kernel a training step uses on cpu is registered for wasm', async () => {
  await tf.setBackend('cpu');
  const model = tinyResNet({ size: SIZE, width: 4, classes: CLASSES, dropout: 0.2 });
  const rng = new Rng(3);
  const xs = tf.tensor4d(randomArray(rng, BATCH * SIZE * SIZE * 3), [BATCH, SIZE, SIZE, 3]);
  const used = new Set<string>();
  for (const optimizer of [tf.train.adam(1e-3), tf.train.sgd(0.1), tf.train.momentum(0.1, 0.9, true)]) {
    const info = await tf.profile(() => {
      optimizer.minimize(() => softmaxCrossEntropy([0, 2, 4], model.apply(xs, { training: true }) as tf.Tensor));
    });
    info.kernelNames.forEach((name) => {
      used.add(name);
    });
  }
  const onWasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  // tf.profile also lists op scopes (names ending in __op); those are not kernels.
  const missing = [...used].filter((name) => !name.endsWith('__op') && !onWasm.has(name));
  assert.deepEqual(missing, []);
  assert.ok(used.has('Conv2DBackpropFilter') && used.has('Conv2DBackpropInput'), 'the step exercises the conv gradients');
});

test('weight gradients of a small conv+BN residual net agree between wasm and cpu', async () => {
  const rng = new Rng(11);
  const xs = randomArray(rng, BATCH * SIZE * SIZE * 3);
  const labels = [1, 4, 0];
  let weights: Float32Array[] | null = null;
  const gradients = async (backend: 'wasm' | 'cpu') =>
    onBackend(backend, () => {
      const model = tinyResNet({ size: SIZE, width: 8, classes: CLASSES, dropout: 0 });
      const shapes = model.getWeights().map((w) => w.shape);
      weights ??= shapes.map((s) => randomArray(rng, tf.util.sizeFromShape(s)));
      model.setWeights(weights.map((w, i) => tf.tensor(w, shapes[i])));
      const x = tf.tensor4d(xs, [BATCH, SIZE, SIZE, 3]);
      // Layer names differ between the two models (global counters): keep the model's weight order.
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor), variables);
      return variables.map((v) => grads[v.name]);
    });
  const wasm = await gradients('wasm');
  const cpu = await gradients('cpu');
  assert.equal(wasm.length, cpu.length);
  assert.ok(wasm.length >= 14, `expected every conv/BN/dense weight, got ${wasm.length}`);
  const errors = wasm.map((g, i) => relativeError(g, cpu[i]));
  const worst = Math.max(...errors);
  assert.ok(worst < 1e-4, `worst weight-gradient relative error ${worst} (all: ${errors.map((e) => e.toExponential(1)).join(' ')})`);
});

test('one Adam training step on wasm lowers the loss on the batch it saw', async () => {
  await tf.setBackend('wasm');
  const rng = new Rng(21);
  const model = tinyResNet({ size: SIZE, width: 8, classes: CLASSES, dropout: 0.1 });
  const x = tf.tensor4d(randomArray(rng, BATCH * SIZE * SIZE * 3), [BATCH, SIZE, SIZE, 3]);
  const optimizer = tf.train.adam(1e-2);
  const loss = () => softmaxCrossEntropy([2, 3, 1], model.apply(x, { training: true }) as tf.Tensor);
  const first = (optimizer.minimize(loss, true) as tf.Scalar).dataSync()[0];
  for (let i = 0; i < 4; i++) optimizer.minimize(loss);
  const after = (tf.tidy(loss) as tf.Scalar).dataSync()[0];
  assert.ok(Number.isFinite(after) && after < first, `loss ${first} → ${after}`);
});
