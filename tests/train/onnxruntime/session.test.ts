/** onnxruntime failures reach the user as one TinynetError that names the graph node, and the engine keeps no half state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { configSchema } from '../../../core/config/index.js';
import { TinynetError } from '../../../core/errors.js';
import { buildResNet } from '../../../train/model/index.js';
import { OnnxRuntimeEngine } from '../../../train/onnxruntime/engine.js';
import { failingNode, runtimeError } from '../../../train/onnxruntime/session.js';

await tf.setBackend('cpu');

test('the failing node is read from onnxruntime messages', () => {
  const message = "Non-zero status code returned while running Conv node. Name:'s1b1_conv1/Conv' Status Message: Invalid input shape: {2,5}";
  assert.equal(failingNode(message), 's1b1_conv1/Conv');
  const err = runtimeError('in the training step', new Error(message));
  assert.ok(err instanceof TinynetError);
  assert.equal(err.code, 'train.onnxruntime_failed');
  assert.match(err.message, /at node "s1b1_conv1\/Conv"/);
  assert.match(err.hint ?? '', /--backend wasm/);
  assert.equal(failingNode('something else went wrong'), null);
});

test('a batch onnxruntime rejects is a TinynetError; the weights stay as they were', async () => {
  const model = buildResNet(
    configSchema.parse({ model: { blocks: [1], widths: [4], dropout: 0 } }).model,
    { inputShape: [6, 6, 3], numClasses: 3 },
    { seed: 2 },
  );
  const engine = await OnnxRuntimeEngine.create(model, { train: configSchema.parse({}).train, provider: 'cpu', threads: 1 });
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  const wrongChannels = { x: tf.zeros([2, 6, 6, 4]) as tf.Tensor4D, y: tf.tensor1d([0, 1], 'int32') };
  await assert.rejects(engine.computeGradients(wrongChannels, { numClasses: 3, labelSmoothing: 0, microBatch: 0, gradClip: 0 }), (err: unknown) => {
    assert.ok(err instanceof TinynetError);
    assert.equal(err.code, 'train.onnxruntime_failed');
    assert.match(err.message, /onnxruntime failed in the training step/);
    return true;
  });
  assert.throws(() => engine.applyUpdate(1e-3), /without gradients/);
  engine.syncModel();
  assert.deepEqual(
    model.getWeights().map((w) => Array.from(w.dataSync())),
    before,
  );
  engine.dispose();
  model.dispose();
});
