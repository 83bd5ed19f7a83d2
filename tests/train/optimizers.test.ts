import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { configSchema } from '../../core/config/index.js';
import { createOptimizer } from '../../train/optim/optimizers.js';

/**
 * Toy problem: loss = ½‖w − target‖², gradient w − target. Each optimizer runs 5 steps on tfjs and the
 * same update rule is computed here in plain float64, written from PyTorch's documentation.
 */
const target = [1, -2, 0.5];
const start = [0.3, 0.7, -1.2];

type Rule = (w: number[], g: number[], state: Record<string, number[]>, t: number, lr: number) => number[];

const rules: Record<string, { cfg: Record<string, unknown>; rule: Rule }> = {
  'adam + L2 weight decay': {
    cfg: { optimizer: 'adam', weight_decay: 0.1, beta1: 0.9, beta2: 0.999 },
    rule: (w, g0, s, t, lr) => {
      const g = g0.map((g, i) => g + 0.1 * w[i]);
      s.m = (s.m ?? [0, 0, 0]).map((m, i) => 0.9 * m + 0.1 * g[i]);
      s.v = (s.v ?? [0, 0, 0]).map((v, i) => 0.999 * v + 0.001 * g[i] * g[i]);
      return w.map((x, i) => x - (lr * (s.m[i] / (1 - 0.9 ** t))) / (Math.sqrt(s.v[i] / (1 - 0.999 ** t)) + 1e-8));
    },
  },
  'adamw (decoupled weight decay)': {
    cfg: { optimizer: 'adamw', weight_decay: 0.1, beta1: 0.8, beta2: 0.99 },
    rule: (w0, g0, s, t, lr) => {
      const w = w0.map((x) => x * (1 - lr * 0.1));
      const g = g0; // gradient of the loss at the pre-decay weights
      s.m = (s.m ?? [0, 0, 0]).map((m, i) => 0.8 * m + 0.2 * g[i]);
      s.v = (s.v ?? [0, 0, 0]).map((v, i) => 0.99 * v + 0.01 * g[i] * g[i]);
      return w.map((x, i) => x - (lr * (s.m[i] / (1 - 0.8 ** t))) / (Math.sqrt(s.v[i] / (1 - 0.99 ** t)) + 1e-8));
    },
  },
  'sgd momentum': {
    cfg: { optimizer: 'sgd', weight_decay: 0.01, momentum: 0.9, nesterov: false },
    rule: (w, g0, s, _t, lr) => {
      const g = g0.map((g, i) => g + 0.01 * w[i]);
      s.b = s.b ? s.b.map((b, i) => 0.9 * b + g[i]) : g;
      return w.map((x, i) => x - lr * s.b[i]);
    },
  },
  'sgd nesterov': {
    cfg: { optimizer: 'sgd', weight_decay: 0, momentum: 0.5, nesterov: true },
    rule: (w, g, s, _t, lr) => {
      s.b = s.b ? s.b.map((b, i) => 0.5 * b + g[i]) : g;
      return w.map((x, i) => x - lr * (g[i] + 0.5 * s.b[i]));
    },
  },
};

for (const [name, { cfg, rule }] of Object.entries(rules)) {
  test(`${name}: 5 steps match the reference update rule`, () => {
    const train = configSchema.parse({ train: cfg }).train;
    const opt = createOptimizer(train);
    const variable = tf.variable(tf.tensor1d(start));
    const params = [{ name: 'w', variable }];
    let ref = [...start];
    const state: Record<string, number[]> = {};
    for (let t = 1; t <= 5; t++) {
      const lr = 0.1 / t; // a changing LR, as schedules give
      const grad = tf.sub(variable, tf.tensor1d(target));
      opt.apply(params, [grad], lr);
      grad.dispose();
      const g = ref.map((x, i) => x - target[i]);
      ref = rule(ref, g, state, t, lr);
      const got = Array.from(variable.dataSync());
      got.forEach((v, i) => {
        assert.ok(Math.abs(v - ref[i]) < 1e-5, `step ${t} w[${i}]: ${v} vs ${ref[i]}`);
      });
    }
    assert.equal(opt.step, 5);
    // State round trip: a copy restored from getState continues identically.
    const copy = createOptimizer(train);
    const v2 = tf.variable(variable.clone());
    copy.setState(opt.getState(), [{ name: 'w', variable: v2 }]);
    const g1 = tf.sub(variable, tf.tensor1d(target));
    const g2 = tf.sub(v2, tf.tensor1d(target));
    opt.apply(params, [g1], 0.01);
    copy.apply([{ name: 'w', variable: v2 }], [g2], 0.01);
    assert.deepEqual(Array.from(v2.dataSync()), Array.from(variable.dataSync()));
    tf.dispose([g1, g2, variable, v2]);
    opt.dispose();
    copy.dispose();
  });
}

test('loss decreases on the toy problem with every optimizer', () => {
  for (const optimizer of ['adam', 'adamw', 'sgd'] as const) {
    const opt = createOptimizer(configSchema.parse({ train: { optimizer, weight_decay: 0 } }).train);
    const variable = tf.variable(tf.tensor1d(start));
    const loss = () => tf.tidy(() => tf.sum(tf.square(tf.sub(variable, tf.tensor1d(target)))).dataSync()[0]);
    const before = loss();
    for (let i = 0; i < 50; i++) {
      const g = tf.sub(variable, tf.tensor1d(target));
      opt.apply([{ name: 'w', variable }], [g], 0.05);
      g.dispose();
    }
    assert.ok(loss() < before / 4, `${optimizer}: ${before} → ${loss()}`);
    variable.dispose();
    opt.dispose();
  }
});
