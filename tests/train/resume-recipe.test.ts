/**
 * Resume equality with the whole recipe on: TrivialAugment, random erasing, mixup/CutMix and the
 * EMA, through the dataset room's batch iterator (the provider `tinynet train` uses).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../../core/config/index.js';
import type { DatasetMeta, SplitData } from '../../dataset/index.js';
import { buildResNet } from '../../train/model/index.js';
import { fit } from '../../train/loop/trainer.js';
import { modelCheckpoint } from '../../train/callbacks/index.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { splitsProvider } from '../../train/data/dataset-provider.js';
import type { Callback } from '../../train/loop/callback.js';
import { quadrantSplit } from './helpers.js';

process.env.TINYNET_LOG = 'warn';
await tf.setBackend('cpu');

const split = (n: number, seed: number): SplitData => ({ ...quadrantSplit(n, seed), n, height: 8, width: 8 });
const meta = { num_classes: 4, input_shape: [8, 8, 3], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], classes: [] } as unknown as DatasetMeta;
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));

const recipe = (mix: Record<string, unknown>) =>
  validateConfig({
    seed: 5,
    augment: {
      color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 },
      policy: { name: 'trivialaugment' },
      random_erasing: { prob: 0.5, value: 'random' },
      mix,
    },
    model: { blocks: [1, 1], widths: [4, 8], dropout: 0.1 },
    train: { epochs: 2, batch_size: 8, lr: 1e-2, optimizer: 'sgd', nesterov: true, backend: 'cpu', ema: { enabled: true, decay: 0.9 } },
  });

async function run(mix: Record<string, unknown>, callbacks: Callback[], dir: string) {
  const { config, hash } = recipe(mix);
  const data = splitsProvider(config, split(24, 1), split(8, 2), meta);
  const model = buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: config.seed });
  const result = await fit({ model, config, configHash: hash, data, callbacks: [...callbacks, modelCheckpoint({ dir })] });
  return { model, result, data, config };
}

test('with TrivialAugment, erasing, mixup/CutMix and the EMA on, a run resumed mid-epoch ends with the same weights, EMA and history', async () => {
  const mix = { mixup_alpha: 0.8, cutmix_alpha: 1.0 };
  const a = await run(mix, [], mkdtempSync(path.join(tmpdir(), 'tinynet-recipe-a-')));

  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-recipe-b-'));
  const interrupt: Callback = { name: 'interrupt', onBatchEnd: (ctx, info) => (info.step === 4 ? ctx.requestStop('interrupted') : undefined) };
  const b = await run(mix, [interrupt], dir);
  assert.equal(b.result.stopReason, 'interrupted');
  b.model.dispose();
  const ckpt = await loadCheckpoint(path.join(dir, 'last.ckpt'));
  assert.ok(ckpt.ema && ckpt.ema.length > 0, 'last.ckpt carries the EMA');
  const second = await fit({
    model: ckpt.model,
    config: ckpt.config,
    configHash: ckpt.configHash,
    data: b.data,
    resume: ckpt,
    callbacks: [modelCheckpoint({ dir })],
  });
  assert.equal(second.step, a.result.step);
  assert.deepEqual(weightsOf(ckpt.model), weightsOf(a.model));
  const untimed = (h: typeof second.history) => h.map(({ seconds: _s, throughput: _t, ...rest }) => rest);
  assert.deepEqual(untimed(second.history), untimed(a.result.history), 'same history, EMA metrics included');
  ckpt.model.dispose();

  // Control: another mix draws other batches, and the run ends elsewhere.
  const c = await run({ mixup_alpha: 0.2 }, [], mkdtempSync(path.join(tmpdir(), 'tinynet-recipe-c-')));
  assert.notDeepEqual(weightsOf(c.model), weightsOf(a.model));
  a.model.dispose();
  c.model.dispose();
});

test('the batch iterator gives the same mixed batches and targets for the same seed, and targets that follow the labels', async () => {
  const { config } = recipe({ mixup_alpha: 1.0, prob: 1 });
  const data = splitsProvider(config, split(24, 1), split(8, 2), meta);
  const take = async (epoch: number) => {
    const out: { x: number[]; t: number[]; y: number[] }[] = [];
    for await (const batch of data.trainBatches(epoch, 8)) {
      out.push({ x: Array.from(batch.x.dataSync()), t: Array.from(batch.targets!.dataSync()), y: Array.from(batch.y.dataSync()) });
      tf.dispose([batch.x, batch.y, batch.targets!]);
    }
    return out;
  };
  const [first, again, other] = [await take(0), await take(0), await take(1)];
  assert.deepEqual(first, again);
  assert.notDeepEqual(first, other);
  for (const { t, y } of first) {
    for (let i = 0; i < y.length; i++) {
      const row = t.slice(i * 4, i * 4 + 4);
      assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
      // The own label and the partner's carry all the mass beyond the smoothing floor.
      const floor = 0.1 / 4;
      row.forEach((v, k) => {
        assert.ok(k === y[i] || k === y[y.length - 1 - i] || Math.abs(v - floor) < 1e-6);
      });
    }
  }
});
