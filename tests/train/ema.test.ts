import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { emaAsValMetrics, emaDecay, WeightEma } from '../../train/loop/ema.js';
import { buildResNet } from '../../train/model/index.js';
import { fit } from '../../train/loop/trainer.js';
import { modelCheckpoint } from '../../train/callbacks/index.js';
import { readCheckpoint } from '../../train/checkpoint.js';
import { tinyConfig, tinyData } from './helpers.js';
import { handEma } from './ema-helpers.js';

process.env.TINYNET_LOG = 'warn';
await tf.setBackend('cpu');

test("decay: 0 at the first update (a copy), then timm's warmup min(decay, 1 − (1 + t)^(−2/3)) with t = updates − 1, or the decay itself", () => {
  assert.equal(emaDecay(1, 0.999, true), 0);
  assert.equal(emaDecay(1, 0.999, false), 0);
  assert.ok(Math.abs(emaDecay(2, 0.999, true) - (1 - 2 ** (-2 / 3))) < 1e-12);
  assert.ok(Math.abs(emaDecay(11, 0.999, true) - (1 - 11 ** (-2 / 3))) < 1e-12);
  assert.equal(emaDecay(1e7, 0.999, true), 0.999);
  assert.equal(emaDecay(2, 0.999, false), 0.999);
});

test('update: ema ← d·ema + (1 − d)·w by name, starting from a copy', () => {
  const ema = new WeightEma({ enabled: true, decay: 0.5, warmup: false });
  const w = (v: number[]) => [{ name: 'k', data: Float32Array.from(v) }];
  ema.update(w([2, 4]), 1);
  ema.update(w([4, 0]), 2);
  ema.update(w([0, 8]), 3);
  // (2,4) → 0.5·(2,4) + 0.5·(4,0) = (3,2) → 0.5·(3,2) + 0.5·(0,8) = (1.5,5)
  assert.deepEqual(Array.from(ema.arrays.get('k')!), [1.5, 5]);
});

test('the trainer keeps the EMA of every weight over the steps, validates it each epoch and checkpoints it', async () => {
  const { config, hash } = tinyConfig({ train: { epochs: 2, ema: { enabled: true, decay: 0.9, warmup: true } } });
  const data = tinyData(24, 8);
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
  const { recorder, values: byHand } = handEma(new Map(), 0, 0.9);
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-ema-'));
  const result = await fit({ model, config, configHash: hash, data, callbacks: [recorder, modelCheckpoint({ dir })] });
  for (const m of result.history) {
    assert.ok(Number.isFinite(m['val/ema_accuracy']) && Number.isFinite(m['val/ema_loss']), `epoch ${m.epoch} has EMA metrics`);
  }
  const last = readCheckpoint(path.join(dir, 'last.ckpt'));
  assert.equal(last.weightsFrom, 'raw');
  assert.equal(last.ema?.length, model.weights.length);
  for (const t of last.ema!) {
    const want = byHand.get(t.name)!;
    const got = t.data as Float32Array;
    for (let j = 0; j < got.length; j++) assert.ok(Math.abs(got[j] - want[j]) < 1e-5 * (1 + Math.abs(want[j])), `${t.name}[${j}]`);
  }
  // The model is left with the trained weights, not the average.
  const trained = model.weights[0].read().dataSync();
  assert.notDeepEqual(Array.from(trained), Array.from(last.ema!.find((t) => t.name === model.weights[0].originalName)!.data));
  // best.ckpt holds the weights that set the best, EMA or trained, and says which.
  const best = readCheckpoint(path.join(dir, 'best.ckpt'));
  const from = result.best!.weights!;
  assert.equal(best.weightsFrom, from);
  const epoch = result.history[result.best!.epoch - 1];
  assert.equal(result.best!.value, from === 'ema' ? epoch['val/ema_accuracy'] : epoch['val/accuracy']);
  assert.equal(best.metrics!['val/accuracy'], result.best!.value, "best.ckpt's metrics are those of the weights it holds");
  const withEma = { ...epoch, 'val/accuracy': 0.5, 'val/ema_accuracy': 0.75, 'val/ema_loss': 0.1, 'val/ema_top5': 1, 'val/ema_f1': 0.7 };
  assert.deepEqual([emaAsValMetrics(withEma)['val/accuracy'], emaAsValMetrics(withEma)['val/loss'], emaAsValMetrics(withEma)['val/f1']], [0.75, 0.1, 0.7]);
  model.dispose();
});
