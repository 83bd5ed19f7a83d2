/**
 * The whole training step of a narrow model on the onnxruntime engine against the TensorFlow.js
 * step (`cpu` backend) on the same weights, batch and dropout masks: loss, correct count, every
 * weight's gradient and the moved BatchNorm statistics, for every activation, with and without BatchNorm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { configSchema, type ModelConfig } from '../../../core/config/index.js';
import { buildResNet } from '../../../train/model/index.js';
import { TfjsEngine } from '../../../train/loop/tfjs-engine.js';
import { OnnxRuntimeEngine } from '../../../train/onnxruntime/engine.js';
import { seedDropout } from '../../../train/model/spatial-dropout.js';
import { relativeError } from './harness.js';
import { nchwcBlockSize } from '../../../train/onnxruntime/passes/nchwc-block.js';
import { TinynetError } from '../../../core/errors.js';
import { mixTargets } from '../../../dataset/mix.js';

await tf.setBackend('cpu');
const train = configSchema.parse({}).train;
const CLASSES = 5;
const opts = { numClasses: CLASSES, labelSmoothing: 0.1, microBatch: 0, gradClip: 0 };

const build = (model: Partial<ModelConfig>) =>
  buildResNet(
    configSchema.parse({ model: { blocks: [1, 1], widths: [4, 8], dropout: 0.25, ...model } }).model,
    { inputShape: [9, 9, 3], numClasses: CLASSES },
    { seed: 4 },
  );
const block = await nchwcBlockSize();
const batch = () => ({ x: tf.randomNormal([6, 9, 9, 3], 0, 1, 'float32', 8) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') });
const movingStats = (m: tf.LayersModel) =>
  m.weights.filter((w) => !w.trainable).map((w) => ({ name: w.originalName, data: Float32Array.from(w.read().dataSync() as Float32Array) }));

/**
 * Widths 4/8 keep every value in NCHW; widths of whole NCHWc blocks (16/32 with AVX-512) run the
 * convolutions, BatchNorm affines and their gradients in the blocked layout.
 */
const layouts = [{ layout: 'nchw' as const, widths: [4, 8] }, ...(block ? [{ layout: 'nchwc' as const, widths: [block, 2 * block] }] : [])];

for (const { layout, widths } of layouts)
  for (const activation of ['relu', 'leaky_relu', 'elu', 'selu', 'gelu'] as const) {
    for (const batchnorm of [true, false]) {
      test(
        `one step of [1,1] × ${widths.join('/')} (${layout}), ${activation}, batchnorm ${batchnorm}: loss, gradients and running statistics equal ` +
          `TensorFlow.js's`,
        async () => {
          const reference = build({ activation, batchnorm, widths });
          const ours = build({ activation, batchnorm, widths });
          const ort = await OnnxRuntimeEngine.create(ours, { train, provider: 'cpu', threads: 1, layout });
          const tfjs = new TfjsEngine(reference, train, 'cpu');
          seedDropout(11);
          const want = await tfjs.computeGradients(batch(), opts);
          seedDropout(11);
          const got = await ort.computeGradients(batch(), opts);
          assert.ok(Math.abs(want.loss - got.loss) < 1e-5 * want.loss, `loss ${got.loss} vs ${want.loss}`);
          assert.equal(got.correct, want.correct);
          assert.ok(Math.abs(want.gradNorm - got.gradNorm) < 1e-4 * want.gradNorm, `gradient norm ${got.gradNorm} vs ${want.gradNorm}`);
          const ref = new Map(tfjs.gradients().map((g) => [g.name, g]));
          for (const g of ort.gradients()) {
            const w = ref.get(g.name);
            assert.ok(w, `tfjs has no gradient ${g.name}`);
            assert.deepEqual(g.shape, w.shape);
            const err = relativeError(g.data, w.data);
            assert.ok(err < 1e-4, `${g.name}: relative error ${err.toExponential(2)}`);
          }
          assert.equal(ort.gradients().length, ref.size);
          ort.syncModel();
          const [a, b] = [movingStats(ours), movingStats(reference)];
          assert.equal(a.length, batchnorm ? 2 * 6 : 0);
          a.forEach((s, i) => {
            assert.ok(relativeError(s.data, b[i].data) < 1e-5, `${s.name} moved differently`);
          });
          // The evaluation graph (running statistics, no dropout) against tfjs inference on the same weights.
          const x = batch().x;
          const inference = tf.tidy(() => reference.apply(x, { training: false }) as tf.Tensor);
          const err = relativeError(await ort.predictLogits(x), Float32Array.from(inference.dataSync() as Float32Array));
          assert.ok(err < 1e-5, `inference logits: relative error ${err.toExponential(2)}`);
          tf.dispose([x, inference]);
          tfjs.dispose();
          ort.dispose();
        },
      );
    }
  }

test('a model with a layer the engine cannot train is refused before training, naming the layer and suggesting --backend wasm', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(pooled)) as tf.SymbolicTensor });
  await assert.rejects(OnnxRuntimeEngine.create(model, { train, provider: 'cpu', threads: 1 }), (err: unknown) => {
    assert.ok(err instanceof TinynetError);
    assert.equal(err.code, 'train.unsupported_layer');
    assert.match(err.message, /MaxPooling2D/);
    assert.match(err.hint ?? '', /--backend wasm/);
    return true;
  });
});

test('a mixed batch (soft targets, micro-batches of 4): both engines give the same loss and gradients, the loss that of the targets', async () => {
  const reference = build({});
  const ours = build({});
  const ort = await OnnxRuntimeEngine.create(ours, { train, provider: 'cpu', threads: 1, layout: 'nchw' });
  const tfjs = new TfjsEngine(reference, train, 'cpu');
  const labels = Int32Array.from([0, 1, 2, 3, 4, 0]);
  const targets = mixTargets(labels, CLASSES, 0.7, 0.1);
  const mixed = () => ({ ...batch(), targets: tf.tensor2d(targets, [6, CLASSES]) });
  const micro = { ...opts, microBatch: 4 };
  seedDropout(11);
  const want = await tfjs.computeGradients(mixed(), micro);
  seedDropout(11);
  const got = await ort.computeGradients(mixed(), micro);
  assert.ok(Math.abs(want.loss - got.loss) < 1e-5 * want.loss, `loss ${got.loss} vs ${want.loss}`);
  const ref = new Map(tfjs.gradients().map((g) => [g.name, g]));
  for (const g of ort.gradients()) assert.ok(relativeError(g.data, ref.get(g.name)!.data) < 1e-4, `${g.name} differs`);
  // Control: the same step on the plain labels has another loss, so the targets were the ones used.
  seedDropout(11);
  const plain = await new TfjsEngine(build({}), train, 'cpu').computeGradients(batch(), micro);
  assert.ok(Math.abs(plain.loss - want.loss) > 1e-3, `plain ${plain.loss} vs mixed ${want.loss}`);
  tfjs.dispose();
  ort.dispose();
});
