/** The Float32Array optimizers (the onnxruntime engine's) against the TensorFlow.js ones, step by step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { configSchema } from '../../core/config/index.js';
import { Rng } from '../../core/rng.js';
import { createOptimizer } from '../../train/optim/optimizers.js';
import { ArrayOptimizer } from '../../train/optim/array-optimizers.js';

await tf.setBackend('cpu');

const cases: Record<string, Record<string, unknown>> = {
  'adam + L2 weight decay': { optimizer: 'adam', weight_decay: 0.05, beta1: 0.9, beta2: 0.999 },
  'adamw (decoupled)': { optimizer: 'adamw', weight_decay: 0.1, beta1: 0.8, beta2: 0.99 },
  'sgd momentum + weight decay': { optimizer: 'sgd', weight_decay: 0.01, momentum: 0.9, nesterov: false },
  'sgd nesterov': { optimizer: 'sgd', weight_decay: 0, momentum: 0.8, nesterov: true },
  'plain sgd': { optimizer: 'sgd', weight_decay: 1e-3, momentum: 0 },
};

for (const [name, cfg] of Object.entries(cases)) {
  test(`${name}: six steps (with a clipping scale) match the TensorFlow.js optimizer`, () => {
    const train = configSchema.parse({ train: cfg }).train;
    const rng = new Rng(5);
    const sizes = [7, 12];
    const start = sizes.map((n) => Float32Array.from({ length: n }, () => rng.normal()));
    const variables = start.map((w) => tf.variable(tf.tensor1d(w)));
    const params = variables.map((variable, i) => ({ name: `w${i}`, variable }));
    const ours = start.map((w, i) => ({ name: `w${i}`, data: Float32Array.from(w) }));
    const reference = createOptimizer(train);
    const optimizer = new ArrayOptimizer(train);
    for (let step = 0; step < 6; step++) {
      const grads = sizes.map((n) => Float32Array.from({ length: n }, () => rng.normal()));
      const scale = step % 2 ? 0.5 : 1;
      const lr = 0.01 * (step + 1);
      const tensors = grads.map((g) => tf.tensor1d(g.map((v) => v * scale)));
      reference.apply(params, tensors, lr);
      tf.dispose(tensors);
      optimizer.apply(ours, grads, lr, scale);
    }
    ours.forEach((p, i) => {
      const want = variables[i].dataSync();
      p.data.forEach((v, j) => {
        assert.ok(Math.abs(v - want[j]) <= 1e-6 * (1 + Math.abs(want[j])), `${p.name}[${j}]: ${v} vs ${want[j]}`);
      });
    });
    const state = reference.getState();
    assert.equal(optimizer.step, state.step);
    assert.deepEqual([...optimizer.slots.keys()].sort(), state.slots.map((s) => s.name).sort());
    for (const s of state.slots) {
      const mine = optimizer.slots.get(s.name)!;
      (s.data as Float32Array).forEach((v, j) => {
        assert.ok(Math.abs(mine[j] - v) <= 1e-6 * (1 + Math.abs(v)), `${s.name}[${j}]`);
      });
    }
    reference.dispose();
    tf.dispose(variables);
  });
}
