/**
 * Whole runs on the onnxruntime engine through the trainer: a run interrupted mid-epoch and resumed
 * from last.ckpt equals the uninterrupted one; a checkpoint written by the TensorFlow.js engine
 * resumes here; the engine learns the tiny task at least as well as TensorFlow.js does.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildResNet } from '../../../train/model/index.js';
import { fit } from '../../../train/loop/trainer.js';
import { modelCheckpoint, nanGuard } from '../../../train/callbacks/index.js';
import { loadCheckpoint } from '../../../train/checkpoint.js';
import { selectBackend, type SelectedBackend } from '../../../train/backend/select.js';
import { createEngine } from '../../../train/loop/create-engine.js';
import { TfjsEngine } from '../../../train/loop/tfjs-engine.js';
import type { Callback } from '../../../train/loop/callback.js';
import { tinyConfig, tinyData } from '../helpers.js';

process.env.TINYNET_LOG = 'warn';
let ort: SelectedBackend;
before(async () => {
  ort = await selectBackend('onnxruntime', { threads: 1 });
});

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
const untimed = (h: Array<Record<string, number>>) => h.map(({ seconds: _s, throughput: _t, ...rest }) => rest);
const setup = () =>
  tinyConfig({ model: { dropout: 0.2 }, train: { epochs: 3, optimizer: 'adamw', weight_decay: 1e-2, schedule: { name: 'warmup_cosine', warmup_epochs: 1 } } });

test('selectBackend picks onnxruntime, with the CPU provider here', () => {
  assert.equal(ort.name, 'onnxruntime');
  assert.equal(ort.onnxruntime?.provider, 'cpu');
});

test('an onnxruntime run interrupted mid-epoch and resumed from last.ckpt ends with the same weights and history', async () => {
  const { config, hash } = setup();
  const data = tinyData(24, 8);
  const a = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
  const whole = await fit({ model: a, config, configHash: hash, data, callbacks: [nanGuard()] });
  assert.equal(whole.stopReason, 'completed');

  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-ort-resume-'));
  const b = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
  const interrupt: Callback = { name: 'interrupt', onBatchEnd: (ctx, info) => (info.step === 4 ? ctx.requestStop('interrupted') : undefined) };
  const first = await fit({ model: b, config, configHash: hash, data, callbacks: [nanGuard(), interrupt, modelCheckpoint({ dir })] });
  assert.equal(first.stopReason, 'interrupted');
  b.dispose();
  const ckpt = await loadCheckpoint(path.join(dir, 'last.ckpt'));
  assert.equal(ckpt.backend, 'onnxruntime');
  assert.ok(ckpt.batchInEpoch > 0, 'saved mid-epoch');
  const second = await fit({ model: ckpt.model, config: ckpt.config, configHash: ckpt.configHash, data, resume: ckpt, callbacks: [nanGuard()] });
  assert.equal(second.step, whole.step);
  assert.deepEqual(weightsOf(ckpt.model), weightsOf(a), 'resumed weights equal the uninterrupted ones');
  assert.deepEqual(untimed(second.history as never), untimed(whole.history as never));
  ckpt.model.dispose();
  a.dispose();
});

test('a checkpoint trained by the TensorFlow.js engine resumes on onnxruntime, optimizer state included', async () => {
  const { config, hash } = setup();
  const data = tinyData(24, 8);
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-ort-from-tfjs-'));
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
  const stopAfterOne: Callback = { name: 'stop', onEpochEnd: (ctx) => ctx.requestStop('callback') };
  await fit({
    model,
    config,
    configHash: hash,
    data,
    engine: new TfjsEngine(model, config.train, tf.getBackend()),
    callbacks: [stopAfterOne, modelCheckpoint({ dir })],
  });
  model.dispose();
  const ckpt = await loadCheckpoint(path.join(dir, 'last.ckpt'));
  assert.equal(ckpt.backend, tf.getBackend());
  const engine = await createEngine(ckpt.model, ckpt.config.train);
  assert.equal(engine.name, 'onnxruntime');
  const resumed = await fit({ model: ckpt.model, config: ckpt.config, configHash: ckpt.configHash, data, resume: ckpt, engine, callbacks: [nanGuard()] });
  assert.equal(resumed.stopReason, 'completed');
  assert.equal(resumed.history.length, 3);
  assert.equal(resumed.history[0].epoch, 1);
  assert.ok(resumed.history[2]['train/loss'] < resumed.history[0]['train/loss'], 'training went on from the checkpoint');
  ckpt.model.dispose();
});

test('on the tiny task, onnxruntime reaches a validation accuracy at least that of TensorFlow.js', async () => {
  const { config, hash } = tinyConfig({ train: { epochs: 4 } });
  const run = async (engineOf: (m: tf.LayersModel) => Promise<import('../../../train/loop/engine.js').TrainingEngine>) => {
    const data = tinyData(32, 16);
    const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
    const result = await fit({ model, config, configHash: hash, data, engine: await engineOf(model), callbacks: [nanGuard()] });
    model.dispose();
    return result.history.at(-1)!['val/accuracy'];
  };
  const tfjs = await run(async (m) => new TfjsEngine(m, config.train, tf.getBackend()));
  const onnx = await run((m) => createEngine(m, config.train));
  assert.ok(onnx >= tfjs, `onnxruntime ${onnx} vs TensorFlow.js ${tfjs}`);
  assert.ok(onnx >= 0.75, `onnxruntime learned the task: ${onnx}`);
});
