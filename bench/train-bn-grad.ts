/**
 * The trainer's own step (train/loop/step.ts + Adam) on the default model ([3,3,3], 64/128/256, 64×64,
 * 200 classes) on wasm, with the lean FusedBatchNorm gradient (train/loop/batchnorm-grad.ts) against
 * tfjs's own gradient as the reference, alternating in the same process. Higher img/s is better.
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'node:perf_hooks';
import { configSchema } from '../core/config/index.js';
import { Rng } from '../core/rng.js';
import { selectBackend } from '../train/backend/select.js';
import { buildResNet } from '../train/model/index.js';
import { computeGradients } from '../train/loop/step.js';
import { createOptimizer } from '../train/optim/index.js';
import { installBatchNormGradient, restoreOriginalBatchNormGradient } from '../train/loop/batchnorm-grad.js';
import type { BenchResult } from './lib/types.js';

const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

export async function run(): Promise<BenchResult> {
  const backend = await selectBackend('wasm', {});
  const config = configSchema.parse({});
  const model = buildResNet(config.model, { inputShape: [64, 64, 3], numClasses: 200 }, { seed: 1 });
  const params = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  const optimizer = createOptimizer(config.train);
  const rng = new Rng(3);
  const x = tf.tensor4d(
    new Float32Array(BATCH * 64 * 64 * 3).map(() => rng.normal()),
    [BATCH, 64, 64, 3],
  );
  const y = tf.tensor1d(
    Array.from({ length: BATCH }, () => rng.int(200)),
    'int32',
  );
  const step = () => {
    const t = performance.now();
    const out = computeGradients(model, params, { x, y }, { numClasses: 200, labelSmoothing: 0, microBatch: 0, gradClip: 0 });
    optimizer.apply(params, out.grads, 1e-4);
    tf.dispose(out.grads);
    return (performance.now() - t) / 1000;
  };
  const seconds = { lean: 0, stock: 0 };
  installBatchNormGradient();
  step(); // warm-up (kernel set-up, heap growth)
  for (let r = 0; r < ROUNDS; r++) {
    restoreOriginalBatchNormGradient();
    seconds.stock += step();
    installBatchNormGradient();
    seconds.lean += step();
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  const lean = (BATCH * ROUNDS) / seconds.lean;
  const stock = (BATCH * ROUNDS) / seconds.stock;
  return {
    name: 'train-bn-grad',
    results: [
      {
        case: `train step img/s, default model, batch ${BATCH}, lean BN gradient (higher is better)`,
        value: lean,
        unit: 'img/s',
        reference: "tfjs's FusedBatchNorm gradient",
        referenceValue: stock,
        ratio: lean / stock,
      },
    ],
    notes:
      `${backend.device}; ${ROUNDS} alternating steps each after one warm-up; BENCH_BATCH / BENCH_ROUNDS env vars change them. Reproduce: npm ` +
      `run bench -- train-bn-grad`,
  };
}
