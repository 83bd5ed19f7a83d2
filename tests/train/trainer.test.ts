import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildResNet } from '../../train/model/index.js';
import { fit } from '../../train/loop/trainer.js';
import { earlyStopping, nanGuard, tensorBoard, modelCheckpoint } from '../../train/callbacks/index.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { decodeEvents } from '../helpers/tb-decoder.js';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Callback } from '../../train/loop/callback.js';
import { tinyConfig, tinyData } from './helpers.js';

process.env.TINYNET_LOG = 'warn';
await tf.setBackend('cpu'); // tests run tiny models on the pure-JS backend, whatever else registered

test('fit learns a separable toy problem and reports every epoch metric', async () => {
  const { config, hash } = tinyConfig({ train: { epochs: 6, micro_batch: 4, grad_clip: 5, schedule: { name: 'cosine' } } });
  const data = tinyData(48, 24);
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses });
  const before = tf.memory().numTensors;
  const result = await fit({ model, config, configHash: hash, data, callbacks: [nanGuard()] });
  assert.equal(result.stopReason, 'completed');
  assert.equal(result.history.length, 6);
  assert.equal(result.step, 6 * 6);
  const last = result.history.at(-1)!;
  for (const k of ['train/loss', 'train/accuracy', 'val/loss', 'val/accuracy', 'val/top5', 'val/f1', 'lr', 'throughput'] as const) {
    assert.ok(Number.isFinite(last[k]), k);
  }
  assert.ok(last['train/loss'] < result.history[0]['train/loss'], 'train loss goes down');
  assert.ok(last['val/accuracy'] >= 0.75, `val accuracy ${last['val/accuracy']}`);
  assert.equal(last['val/top5'], 1, 'top-5 of 4 classes is always a hit');
  assert.ok(tf.memory().numTensors <= before + 2, `no tensor leak per step (${before} → ${tf.memory().numTensors})`);
  model.dispose();
});

test('early stopping stops after `patience` epochs without improvement', async () => {
  // lr tiny enough that nothing improves in practice; a monitor that never improves is forced below.
  const { config, hash } = tinyConfig({ train: { epochs: 10, lr: 1e-9, monitor: 'val/loss' } });
  const data = tinyData(16, 8);
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses });
  // Feed the callback a metric that gets worse every epoch.
  const stopper = earlyStopping({ monitor: 'val/loss', patience: 2, minDelta: 0 });
  let fake = 1;
  const worsen: Callback = {
    name: 'worsen',
    onEpochEnd: (_ctx, m) => {
      m['val/loss'] = fake++;
    },
  };
  const result = await fit({ model, config, configHash: hash, data, callbacks: [worsen, stopper] });
  assert.equal(result.stopReason, 'early_stopping');
  assert.equal(result.history.length, 3, 'epoch 1 sets the best, epochs 2 and 3 do not improve → stop');
  assert.match(result.message ?? '', /has not improved/);
  model.dispose();
});

const trainable = (m: tf.LayersModel) => m.trainableWeights.map((w) => Array.from(w.read().dataSync()));

test('NaN guard stops before the update with a clear message, weights untouched', async () => {
  const { config, hash } = tinyConfig({ train: { epochs: 3 } });
  const data = tinyData(16, 8);
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses });
  // Poison the loss on step 3 by injecting NaN into the first layer's kernel right before it.
  const poison: Callback = {
    name: 'poison',
    onBatchEnd(ctx, info) {
      if (info.step === 2) {
        const w = ctx.model.getLayer('stem_conv').getWeights()[0];
        ctx.model.getLayer('stem_conv').setWeights([tf.fill(w.shape, NaN)]);
        snapshot = trainable(ctx.model);
      }
    },
  };
  let snapshot: number[][] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-nan-'));
  const result = await fit({ model, config, configHash: hash, data, callbacks: [poison, nanGuard(), modelCheckpoint({ dir })] });
  assert.equal(result.stopReason, 'non_finite');
  // The checkpoint on disk is the last good one: end of epoch 1, all weights finite.
  const last = await loadCheckpoint(path.join(dir, 'last.ckpt'));
  assert.equal(last.epoch, 1);
  assert.ok(last.model.getWeights().every((w) => Array.from(w.dataSync()).every(Number.isFinite)));
  last.model.dispose();
  assert.equal(result.step, 3, 'stopped at the poisoned step');
  assert.match(result.message ?? '', /loss NaN at epoch 2, batch 2/);
  // (BatchNorm moving statistics do take the NaN in the forward pass; nothing is saved after it.)
  assert.deepEqual(trainable(model).slice(1), snapshot.slice(1), 'no trainable weight changed by the bad step');
  model.dispose();
});

test('a run with the TensorBoard callback writes the epoch scalars, config text, samples and HParams', async () => {
  const { config, hash } = tinyConfig({ train: { epochs: 2 } });
  const data = tinyData(16, 8);
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-tb-run-'));
  const result = await fit({ model, config, configHash: hash, data, callbacks: [tensorBoard({ dir, sampleImages: 4 })] });
  model.dispose();
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  const { fileVersion, values } = decodeEvents(path.join(dir, files[0]));
  assert.equal(fileVersion, 'brain.Event:2');
  for (const tag of ['train/loss', 'train/accuracy', 'val/loss', 'val/accuracy', 'val/f1', 'lr', 'throughput']) {
    const series = values.filter((v) => v.tag === tag);
    assert.deepEqual(
      series.map((v) => v.step),
      [1, 2],
      tag,
    );
    assert.ok(Math.abs(series[1].simple! - result.history[1][tag as 'lr']) <= 1e-6 * Math.max(1, Math.abs(result.history[1][tag as 'lr'])), tag);
  }
  assert.match(values.find((v) => v.tag === 'config')!.text!, /optimizer: adam/);
  assert.equal(values.find((v) => v.tag === 'augmentation/samples')!.image!.width, 2 * 8 + 1);
  assert.deepEqual(
    values.filter((v) => v.plugin === 'hparams').map((v) => v.tag),
    ['_hparams_/experiment', '_hparams_/session_start_info', '_hparams_/session_end_info'],
  );
});
