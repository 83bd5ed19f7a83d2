/**
 * Child process of bench/train-step.ts: times one training step (Adam, softmax cross-entropy,
 * gradients accumulated over micro-batches) and inference of the default model on the wasm backend
 * with a given thread count, and prints one JSON line. A child per thread count because the XNNPACK
 * pool is sized once, when the backend starts.
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'node:perf_hooks';
import { Rng } from '../core/rng.js';
import { selectBackend, wasmHeapBytes } from '../train/backend/select.js';
import { buildBenchNetwork, type BenchNetwork } from './lib/network.js';

export interface WasmStepOptions extends BenchNetwork {
  threads: number;
  batch: number;
  microBatch: number;
  warmup: number;
  steps: number;
}

function rate(batch: number, warmup: number, steps: number, fn: () => void) {
  for (let i = 0; i < warmup; i++) fn();
  const stepS: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    fn();
    stepS.push((performance.now() - t) / 1000);
  }
  return { images_per_s: (batch * steps) / stepS.reduce((a, b) => a + b, 0), step_s: stepS };
}

/** The default model on wasm with one training step (Adam, gradients summed over micro-batches) and one inference. */
export async function prepareWasmStep(o: WasmStepOptions) {
  const backend = await selectBackend('wasm', { threads: o.threads });
  const model = buildBenchNetwork(o);
  const rng = new Rng(1);
  const pixels = new Float32Array(o.batch * o.size * o.size * 3).map(() => rng.normal());
  const x = tf.tensor4d(pixels, [o.batch, o.size, o.size, 3]);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: o.batch }, () => rng.int(o.classes)),
      'int32',
    ),
    o.classes,
  );
  const optimizer = tf.train.adam(1e-4);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const micro = o.microBatch > 0 && o.microBatch < o.batch ? o.microBatch : o.batch;

  const trainStep = () => {
    let sum: tf.Tensor[] | null = null;
    let loss = 0;
    for (let start = 0; start < o.batch; start += micro) {
      const n = Math.min(micro, o.batch - start);
      const { value, grads } = tf.tidy(() => {
        const xs = n === o.batch ? x : tf.slice(x, [start, 0, 0, 0], [n, -1, -1, -1]);
        const ys = n === o.batch ? labels : tf.slice(labels, [start, 0], [n, -1]);
        return tf.variableGrads(
          () => tf.mul(tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor), n / o.batch) as tf.Scalar,
          variables,
        );
      });
      loss += value.dataSync()[0];
      value.dispose();
      const list = variables.map((v) => grads[v.name]);
      if (sum == null) sum = list;
      else {
        const prev: tf.Tensor[] = sum;
        sum = prev.map((g, i) => tf.add(g, list[i]));
        tf.dispose([...prev, ...list]);
      }
    }
    const acc = sum as tf.Tensor[];
    optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: acc[i] })));
    tf.dispose(acc);
    if (!Number.isFinite(loss)) throw new Error(`loss became ${loss}`);
  };
  const infer = () => {
    const y = model.predict(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };

  return { backend, micro, trainStep, infer };
}

export async function measureWasm(o: WasmStepOptions) {
  const { backend, micro, trainStep, infer } = await prepareWasmStep(o);
  const train = rate(o.batch, o.warmup, o.steps, trainStep);
  const inference = rate(o.batch, o.warmup, o.steps, infer);
  return {
    backend: backend.device,
    threads: backend.threads,
    micro_batch: micro,
    train,
    inference,
    wasm_heap_mib: Math.round((wasmHeapBytes() ?? 0) / 2 ** 20),
  };
}

// Run as a child: `node dist/bench/train-step-wasm.js '<json options>'`.
if (process.argv[1]?.endsWith('train-step-wasm.js')) {
  const options = JSON.parse(process.argv[2] ?? '{}') as WasmStepOptions;
  process.stdout.write(`${JSON.stringify(await measureWasm(options))}\n`);
  process.exit(0);
}
