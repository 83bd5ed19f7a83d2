import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../core/config/index.js';
import { createSchedule } from '../../train/optim/schedules.js';

const trainCfg = (lr: number, schedule: Record<string, unknown>) => configSchema.parse({ train: { lr, schedule } }).train;
const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) <= 1e-9 + 1e-6 * Math.abs(b), `${msg}: ${a} vs ${b}`);
const curve = (f: (s: number) => number, n: number) => Array.from({ length: n }, (_, i) => f(i));

test('constant', () => {
  const f = createSchedule(trainCfg(0.1, { name: 'constant' }), { stepsPerEpoch: 5, epochs: 4 });
  assert.deepEqual(curve(f, 20), new Array(20).fill(0.1));
});

test('step: × gamma every step_size epochs', () => {
  const f = createSchedule(trainCfg(1, { name: 'step', step_size: 2, gamma: 0.5 }), { stepsPerEpoch: 3, epochs: 6 });
  const want = [1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25];
  curve(f, 18).forEach((v, i) => {
    close(v, want[i], `step ${i}`);
  });
});

test('cosine: lr at step 0, midpoint halfway, min_lr at the end, monotone', () => {
  const f = createSchedule(trainCfg(1, { name: 'cosine', min_lr: 0.1 }), { stepsPerEpoch: 10, epochs: 10 });
  close(f(0), 1, 'start');
  close(f(50), 0.55, 'middle');
  close(f(100), 0.1, 'end');
  close(f(25), 0.1 + (0.9 * (1 + Math.cos(Math.PI / 4))) / 2, 'quarter');
  const c = curve(f, 100);
  assert.ok(c.every((v, i) => i === 0 || v <= c[i - 1]));
});

test('warmup_cosine: linear rise over warmup epochs, then cosine from lr to min_lr', () => {
  const f = createSchedule(trainCfg(1, { name: 'warmup_cosine', warmup_epochs: 2, min_lr: 0 }), { stepsPerEpoch: 5, epochs: 10 });
  curve(f, 10).forEach((v, i) => {
    close(v, (i + 1) / 10, `warmup ${i}`);
  });
  close(f(10), 1, 'peak after warmup');
  close(f(10 + 20), 0.5, 'half of the 40 cosine steps');
  close(f(50), 0, 'end');
});

test('one_cycle: max/25 → max at 30 %, then down to max/25/1e4 (PyTorch OneCycleLR)', () => {
  const f = createSchedule(trainCfg(0.01, { name: 'one_cycle', max_lr: 0.1 }), { stepsPerEpoch: 10, epochs: 10 });
  // PyTorch: phase 1 ends at step pct·total − 1 = 29, phase 2 at total − 1 = 99.
  close(f(0), 0.1 / 25, 'initial');
  close(f(29), 0.1, 'peak');
  close(f(99), 0.1 / 25 / 1e4, 'final');
  close(f(29 + 35), 0.1 / 25 / 1e4 + (0.1 - 0.1 / 25 / 1e4) / 2, 'middle of the descent');
  const c = curve(f, 100);
  assert.ok(
    c.slice(0, 30).every((v, i) => i === 0 || v > c[i - 1]),
    'rises',
  );
  assert.ok(
    c.slice(29).every((v, i, a) => i === 0 || v < a[i - 1]),
    'falls',
  );
});

test('cosine_restarts: cycles of restart_period epochs growing by restart_mult', () => {
  const f = createSchedule(trainCfg(1, { name: 'cosine_restarts', restart_period: 1, restart_mult: 2, min_lr: 0 }), { stepsPerEpoch: 4, epochs: 7 });
  // Cycles: steps 0–3 (4 steps), 4–11 (8), 12–27 (16).
  for (const start of [0, 4, 12]) close(f(start), 1, `restart at ${start}`);
  close(f(2), 0.5, 'middle of cycle 1');
  close(f(8), 0.5, 'middle of cycle 2');
  close(f(20), 0.5, 'middle of cycle 3');
  assert.ok(f(11) < 0.05 && f(12) === 1);
});
