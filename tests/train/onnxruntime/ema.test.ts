/**
 * The EMA on the onnxruntime engine, whose weights live in ONNX layout: the layout round trip, the
 * average a run checkpoints against one computed by hand from the weights after every step, and an
 * EMA written by the TensorFlow.js engine resuming here.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildResNet } from '../../../train/model/index.js';
import { fit } from '../../../train/loop/trainer.js';
import { modelCheckpoint } from '../../../train/callbacks/index.js';
import { loadCheckpoint, readCheckpoint } from '../../../train/checkpoint.js';
import { selectBackend } from '../../../train/backend/select.js';
import { OnnxRuntimeEngine } from '../../../train/onnxruntime/engine.js';
import { TfjsEngine } from '../../../train/loop/tfjs-engine.js';
import type { Callback } from '../../../train/loop/callback.js';
import { tinyConfig, tinyData } from '../helpers.js';
import { handEma } from '../ema-helpers.js';

process.env.TINYNET_LOG = 'warn';
before(async () => {
  await selectBackend('onnxruntime', { threads: 1 });
});

const setup = (backend: string) => tinyConfig({ train: { backend, epochs: 2, ema: { enabled: true, decay: 0.8, warmup: true } } });
const build = (config: ReturnType<typeof setup>['config']) => buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: config.seed });

test("the engine's arrays convert to the model's layout and back, and written arrays reach the model", async () => {
  const { config } = setup('onnxruntime');
  const model = build(config);
  const engine = await OnnxRuntimeEngine.create(model, { train: config.train, provider: 'cpu', threads: 1, layout: 'nchw' });
  const byName = new Map(model.weights.map((v) => [v.originalName, v]));
  const arrays = engine.weightArrays();
  assert.equal(arrays.length, model.weights.length);
  const moved = new Map<string, Float32Array>();
  for (const w of arrays) {
    const keras = Array.from(byName.get(w.name)!.read().dataSync());
    assert.deepEqual(Array.from(engine.toModelLayout(w.name, w.data)), keras, `${w.name} in the model's layout`);
    assert.deepEqual(Array.from(engine.fromModelLayout(w.name, engine.toModelLayout(w.name, w.data))), Array.from(w.data));
    moved.set(
      w.name,
      w.data.map((v, i) => v + i),
    );
  }
  engine.setWeightArrays(moved);
  engine.syncModel();
  for (const [name, data] of moved) assert.deepEqual(Array.from(byName.get(name)!.read().dataSync()), Array.from(engine.toModelLayout(name, data)));
  engine.dispose();
  model.dispose();
});

function assertEma(file: string, want: Map<string, Float64Array>, count: number): void {
  const ema = readCheckpoint(file).ema!;
  assert.equal(ema.length, count);
  for (const t of ema) {
    const w = want.get(t.name)!;
    (t.data as Float32Array).forEach((v, j) => {
      assert.ok(Math.abs(v - w[j]) < 1e-5 * (1 + Math.abs(w[j])), `${t.name}[${j}]`);
    });
  }
}

test('an onnxruntime run checkpoints the EMA of the weights after every step', async () => {
  const { config, hash } = setup('onnxruntime');
  const model = build(config);
  const { recorder, values } = handEma(new Map(), 0, 0.8);
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-ort-ema-'));
  await fit({ model, config, configHash: hash, data: tinyData(24, 8), callbacks: [recorder, modelCheckpoint({ dir })] });
  assertEma(path.join(dir, 'last.ckpt'), values, model.weights.length);
  model.dispose();
});

test('an EMA checkpointed by the TensorFlow.js engine resumes on onnxruntime and keeps averaging from it', async () => {
  const { config, hash } = setup('onnxruntime');
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-ema-cross-'));
  const model = build(config);
  const stop: Callback = { name: 'stop', onBatchEnd: (ctx, info) => (info.step === 3 ? ctx.requestStop('interrupted') : undefined) };
  await fit({
    model,
    config,
    configHash: hash,
    data: tinyData(24, 8),
    engine: new TfjsEngine(model, config.train, tf.getBackend()),
    callbacks: [stop, modelCheckpoint({ dir })],
  });
  model.dispose();
  const ckpt = await loadCheckpoint(path.join(dir, 'last.ckpt'));
  assert.equal(ckpt.backend, tf.getBackend());
  const { recorder, values } = handEma(new Map(ckpt.ema!.map((t) => [t.name, t.data as Float32Array])), ckpt.step, 0.8);
  const out = mkdtempSync(path.join(tmpdir(), 'tinynet-ema-cross-ort-'));
  await fit({
    model: ckpt.model,
    config: ckpt.config,
    configHash: ckpt.configHash,
    data: tinyData(24, 8),
    resume: ckpt,
    callbacks: [recorder, modelCheckpoint({ dir: out })],
  });
  assert.equal(readCheckpoint(path.join(out, 'last.ckpt')).backend, 'onnxruntime');
  assertEma(path.join(out, 'last.ckpt'), values, ckpt.model.weights.length);
  ckpt.model.dispose();
});
