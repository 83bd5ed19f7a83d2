import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildResNet } from '../../../train/model/index.js';
import { exponentialLrs, smoothLosses, suggestLr, runLrFind, runMiniGrid, finalLoss, formatLrFind } from '../../../train/protocol/lr-find.js';
import { decodeEvents } from '../../helpers/tb-decoder.js';
import { tinyConfig, tinyData } from '../helpers.js';
import { selectBackend } from '../../../train/backend/select.js';

process.env.TINYNET_LOG = 'warn';

// The wasm backend runs these tiny models ~3× faster than the pure-JS one.
before(() => selectBackend('wasm', { threads: 1 }));

test('exponential LRs span [min, max] evenly in log space', () => {
  const lrs = exponentialLrs(1e-5, 1e-1, 5);
  assert.deepEqual(
    lrs.map((v) => Number(v.toExponential(6))),
    [1e-5, 1e-4, 1e-3, 1e-2, 1e-1],
  );
});

test('bias-corrected smoothing starts at the first value and follows a constant exactly', () => {
  assert.deepEqual(
    smoothLosses([2, 2, 2], 0.9).map((v) => Number(v.toFixed(12))),
    [2, 2, 2],
  );
  const s = smoothLosses([4, 0], 0.5);
  assert.equal(s[0], 4);
  assert.ok(Math.abs(s[1] - (0.5 * 0.5 * 4 + 0.5 * 0) / (1 - 0.25)) < 1e-12);
});

test('the suggestion is the steepest point of the descending part, divided as asked', () => {
  const lrs = exponentialLrs(1e-4, 1, 9);
  // flat, steep drop around 1e-2, minimum at 1e-1, then up.
  const smoothed = [3, 3, 2.98, 2.9, 2.0, 1.5, 1.4, 2.5, 6];
  const s = suggestLr(
    lrs.map((lr, i) => ({ lr, smoothed: smoothed[i] })),
    1,
  );
  assert.equal(s.steepest.index, 4);
  assert.equal(s.best.index, 6);
  assert.equal(s.suggested, lrs[4]);
  assert.equal(
    suggestLr(
      lrs.map((lr, i) => ({ lr, smoothed: smoothed[i] })),
      10,
    ).suggested,
    lrs[4] / 10,
  );
  assert.match(s.rule, /steepest/);
});

test('finalLoss averages the last quarter and marks non-finite runs', () => {
  assert.equal(finalLoss([9, 9, 9, 9, 9, 9, 2, 4]), 3);
  assert.ok(Number.isNaN(finalLoss([1, NaN])));
});

test('an LR sweep on a tiny model: suggestion inside the sweep and below the divergence point; scalars in TensorBoard', async () => {
  const { config, hash } = tinyConfig({ train: { batch_size: 8 } });
  config.lr_finder = { ...config.lr_finder, min_lr: 1e-4, max_lr: 1e3, steps: 40, smoothing: 0.7, diverge_factor: 2 };
  const data = tinyData(64, 8);
  const tb = mkdtempSync(path.join(tmpdir(), 'tinynet-lrf-'));
  const r = await runLrFind({
    config,
    configHash: hash,
    data,
    buildModel: () => buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: 5 }),
    tensorboardDir: tb,
    command: 'test',
  });
  assert.ok(r.diverged_at !== null, `a sweep up to lr 1e3 diverges (${formatLrFind(r)})`);
  assert.ok(r.points.length < 40, 'stopped early on divergence');
  assert.ok(r.suggested_lr >= r.min_lr && r.suggested_lr <= r.max_lr, 'inside the sweep');
  assert.ok(r.suggested_lr < r.diverged_at!, 'below the divergence point');
  for (let i = 1; i < r.points.length; i++) assert.ok(r.points[i].lr > r.points[i - 1].lr, 'LR grows every step');
  assert.ok(Math.abs(r.points[0].lr - 1e-4) < 1e-12);
  const events = decodeEvents(path.join(tb, readdirSync(tb)[0])).values;
  assert.equal(events.filter((v) => v.tag === 'lr_find/smoothed_loss').length, r.points.length);
});

test('the mini-grid runs every LR × weight-decay pair from the same init and ranks them by final loss', async () => {
  const { config, hash } = tinyConfig({ train: { batch_size: 8 } });
  config.lr_finder.mini_grid = { lrs: [1e-6, 1e-2], weight_decays: [0, 1e-3], steps: 6 };
  const data = tinyData(32, 8);
  const m = await runMiniGrid({
    config,
    configHash: hash,
    data,
    buildModel: () => buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: 5 }),
    command: 'test',
  });
  assert.equal(m.rows.length, 4);
  assert.deepEqual(
    m.rows.map((r) => r.rank),
    [1, 2, 3, 4],
  );
  for (const r of m.rows) assert.equal(r.losses.length, 6);
  for (let i = 1; i < m.rows.length; i++) assert.ok(m.rows[i].final_loss >= m.rows[i - 1].final_loss);
  // Same init and same batches: the first step's loss does not depend on the LR or weight decay.
  const first = m.rows.map((r) => r.losses[0]);
  for (const v of first) assert.ok(Math.abs(v - first[0]) < 1e-5, `${first}`);
  assert.equal(m.rows[0].lr, 1e-2, 'the usable LR beats the near-zero one');
});
