import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../../core/config/index.js';
import { buildResNet } from '../../train/model/index.js';
import { saveCheckpoint, loadCheckpoint, type CheckpointContents } from '../../train/checkpoint.js';
import { TinynetError } from '../../core/errors.js';

process.env.TINYNET_LOG = 'warn';
await tf.setBackend('cpu'); // tests run tiny models on the pure-JS backend, whatever else registered

function tinySetup() {
  const { config, hash } = validateConfig({ model: { blocks: [1, 1], widths: [4, 8], dropout: 0.2 } });
  const model = buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 5 });
  // Move BN moving stats off their init so the test sees non-trainable weights survive too.
  model.setWeights(model.getWeights().map((w, i) => tf.add(w, tf.scalar(0.01 * (i + 1)))));
  const contents: CheckpointContents = {
    config,
    configHash: hash,
    meta: { num_classes: 5, input_shape: [8, 8, 3], mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] },
    epoch: 3,
    step: 42,
    batchInEpoch: 0,
    metrics: null,
    history: [],
    best: { monitor: 'val/accuracy', value: 0.5, epoch: 2 },
    rng: { dropout: [1, 2, 3, 4] },
    optimizer: { name: 'adam', step: 42, slots: [{ name: 'stem_conv/kernel/m', shape: [2, 2], dtype: 'float32', data: new Float32Array([1, 2, 3, 4]) }] },
    callbacks: { early_stopping: { wait: 1 } },
    backend: tf.getBackend(),
  };
  return { model, contents };
}

const dir = () => mkdtempSync(path.join(tmpdir(), 'tinynet-ckpt-'));

test('checkpoint round trip: topology, all weights, optimizer state and training state come back', async () => {
  const { model, contents } = tinySetup();
  const file = path.join(dir(), 'last.ckpt');
  saveCheckpoint(file, model, contents);
  assert.deepEqual(readdirSync(path.dirname(file)), ['last.ckpt'], 'no temp file left behind');
  const loaded = await loadCheckpoint(file);
  assert.equal(loaded.model.layers.length, model.layers.length);
  assert.ok(loaded.model.layers.some((l) => l.getClassName() === 'SpatialDropout2D'));
  const a = model.getWeights();
  const b = loaded.model.getWeights();
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.deepEqual(b[i].dataSync(), a[i].dataSync());
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
  assert.deepEqual((loaded.model.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
  assert.equal(loaded.epoch, 3);
  assert.equal(loaded.step, 42);
  assert.deepEqual(loaded.rng, contents.rng);
  assert.deepEqual(loaded.config, contents.config);
  assert.deepEqual(loaded.meta, contents.meta);
  assert.deepEqual(loaded.best, contents.best);
  assert.deepEqual(loaded.callbacks, contents.callbacks);
  assert.equal(loaded.optimizer?.name, 'adam');
  assert.deepEqual(Array.from(loaded.optimizer!.slots[0].data), [1, 2, 3, 4]);
  model.dispose();
  loaded.model.dispose();
});

test('a truncated, altered or foreign checkpoint is refused with a TinynetError', async () => {
  const { model, contents } = tinySetup();
  const d = dir();
  const file = path.join(d, 'best.ckpt');
  saveCheckpoint(file, model, contents);
  model.dispose();
  const bytes = readFileSync(file);

  const truncated = path.join(d, 'truncated.ckpt');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(loadCheckpoint(truncated), (e: unknown) => e instanceof TinynetError && e.code === 'checkpoint.corrupt' && /truncated/.test(e.message));

  for (const where of [20, Math.floor(bytes.length / 2), bytes.length - 40]) {
    const flipped = Buffer.from(bytes);
    flipped[where] ^= 0x01;
    const f = path.join(d, `flipped-${where}.ckpt`);
    writeFileSync(f, flipped);
    await assert.rejects(
      loadCheckpoint(f),
      (e: unknown) => e instanceof TinynetError && e.code === 'checkpoint.corrupt' && /checksum/.test(e.message),
      `byte ${where}`,
    );
  }

  const foreign = path.join(d, 'foreign.ckpt');
  writeFileSync(foreign, 'not a checkpoint at all, just some text');
  await assert.rejects(loadCheckpoint(foreign), (e: unknown) => e instanceof TinynetError && e.code === 'checkpoint.not_a_checkpoint');
  await assert.rejects(loadCheckpoint(path.join(d, 'missing.ckpt')), (e: unknown) => e instanceof TinynetError && e.code === 'checkpoint.not_found');
  assert.ok(existsSync(file));
});
