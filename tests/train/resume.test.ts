import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildResNet } from '../../train/model/index.js';
import { fit } from '../../train/loop/trainer.js';
import { modelCheckpoint, earlyStopping, nanGuard } from '../../train/callbacks/index.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../../train/checkpoint.js';
import type { Callback } from '../../train/loop/callback.js';
import { tinyConfig, tinyData } from './helpers.js';

process.env.TINYNET_LOG = 'warn';
await tf.setBackend('cpu'); // tests run tiny models on the pure-JS backend, whatever else registered

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));

/** dropout on, Adam + L2, micro-batches, a per-step schedule: every piece of state a resume must carry. */
const setup = () =>
  tinyConfig({
    model: { dropout: 0.2 },
    train: {
      epochs: 3,
      optimizer: 'adamw',
      weight_decay: 1e-2,
      micro_batch: 4,
      schedule: { name: 'warmup_cosine', warmup_epochs: 1 },
      early_stopping: { enabled: true, patience: 5 },
    },
  });

async function uninterrupted() {
  const { config, hash } = setup();
  const data = tinyData(24, 8);
  const model = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-resume-a-'));
  const result = await fit({
    model,
    config,
    configHash: hash,
    data,
    callbacks: [nanGuard(), earlyStopping({ monitor: 'val/accuracy', patience: 5, minDelta: 0 }), modelCheckpoint({ dir })],
  });
  return { model, result };
}

test('a run interrupted mid-epoch and resumed from last.ckpt ends with the same weights and history', async () => {
  const a = await uninterrupted();

  const { config, hash } = setup();
  const data = tinyData(24, 8);
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-resume-b-'));
  const modelB = buildResNet(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, { seed: config.seed });
  const interrupt: Callback = { name: 'interrupt', onBatchEnd: (ctx, info) => (info.step === 4 ? ctx.requestStop('interrupted') : undefined) };
  const first = await fit({
    model: modelB,
    config,
    configHash: hash,
    data,
    callbacks: [nanGuard(), interrupt, earlyStopping({ monitor: 'val/accuracy', patience: 5, minDelta: 0 }), modelCheckpoint({ dir })],
  });
  assert.equal(first.stopReason, 'interrupted');
  assert.equal(first.step, 5);
  modelB.dispose();
  const saved = path.join(dir, 'interrupted.ckpt');
  copyFileSync(path.join(dir, 'last.ckpt'), saved);

  const ckpt = await loadCheckpoint(path.join(dir, 'last.ckpt'));
  assert.equal(ckpt.epoch, 1, 'one epoch completed');
  assert.equal(ckpt.batchInEpoch, 2, 'two batches into the second epoch');
  const second = await fit({
    model: ckpt.model,
    config: ckpt.config,
    configHash: ckpt.configHash,
    data,
    resume: ckpt,
    callbacks: [nanGuard(), earlyStopping({ monitor: 'val/accuracy', patience: 5, minDelta: 0 }), modelCheckpoint({ dir })],
  });
  assert.equal(second.stopReason, 'completed');
  assert.equal(second.step, a.result.step);
  assert.deepEqual(weightsOf(ckpt.model), weightsOf(a.model), 'resumed weights equal the uninterrupted ones');
  // The whole history matches too (the interrupted epoch's train metrics included), timings aside.
  const untimed = (h: typeof second.history) => h.map(({ seconds: _s, throughput: _t, ...rest }) => rest);
  assert.deepEqual(untimed(second.history), untimed(a.result.history));
  assert.ok(existsSync(path.join(dir, 'best.ckpt')));
  ckpt.model.dispose();

  // Controls: the same resume without the optimizer state, or with another dropout stream, does not
  // match — so the equality above is not a given.
  const controls: Array<Partial<LoadedCheckpoint>> = [{ optimizer: null }, { rng: { dropout: [9, 9, 9, 9] } }];
  for (const broken of controls) {
    const again = await loadCheckpoint(saved);
    const r = await fit({ model: again.model, config: again.config, configHash: again.configHash, data, resume: { ...again, ...broken }, callbacks: [] });
    assert.equal(r.step, a.result.step);
    assert.notDeepEqual(weightsOf(again.model), weightsOf(a.model), `control ${Object.keys(broken)[0]}`);
    again.model.dispose();
  }
  a.model.dispose();
});
