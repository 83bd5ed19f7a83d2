/** Shared helpers for the exporter tests: run an exported model in onnxruntime-node next to tfjs. */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { exportLayersModel, type ExportOptions, type ExportResult } from '../../export/exporter.js';

process.env.TINYNET_LOG = process.env.TINYNET_LOG ?? 'warn';

let backendReady: Promise<void> | undefined;
export function cpuBackend(): Promise<void> {
  backendReady ??= tf.setBackend('cpu').then(() => tf.ready());
  return backendReady;
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomData(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Give every weight of the model random values (so BN statistics are not the trivial 0/1). */
export function randomizeWeights(model: tf.LayersModel, seed = 7): void {
  let k = seed;
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    layer.setWeights(
      ws.map((w, i) => {
        const data = randomData(w.size, k++);
        const name = layer.weights[i].name;
        // Variances must stay positive.
        if (/variance/.test(name)) for (let j = 0; j < data.length; j++) data[j] = 0.5 + Math.abs(data[j]);
        else for (let j = 0; j < data.length; j++) data[j] *= 0.5;
        return tf.tensor(data, w.shape);
      }),
    );
  }
}

export async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export interface ParityResult {
  result: ExportResult;
  diffs: number[];
  scale: number[];
}

/**
 * Export a float-input model (float32-nhwc: the source's own input), run both engines on the same
 * random batch, and return the max abs difference of each output.
 */
export async function parity(model: tf.LayersModel, opts: ExportOptions & { batch?: number; seed?: number } = {}): Promise<ParityResult> {
  await cpuBackend();
  const result = exportLayersModel(model, { input: 'float32-nhwc', ...opts });
  const batch = opts.batch ?? 2;
  const feeds: Record<string, ort.Tensor> = {};
  const tfInputs = model.inputs.map((s, i) => {
    const shape = [batch, ...s.shape.slice(1).map(Number)];
    const data = randomData(
      shape.reduce((a, b) => a * b, 1),
      (opts.seed ?? 3) + i,
    );
    feeds[result.inputs[i].name] = new ort.Tensor('float32', data, shape);
    return tf.tensor(data, shape);
  });
  const expected = model.predict(tfInputs.length === 1 ? tfInputs[0] : tfInputs) as tf.Tensor | tf.Tensor[];
  const expectedList = Array.isArray(expected) ? expected : [expected];
  const got = await runOnnx(result.bytes, feeds);
  const diffs: number[] = [];
  const scale: number[] = [];
  expectedList.forEach((e, i) => {
    const out = got[result.outputs[i].name];
    if (JSON.stringify(out.dims.map(Number)) !== JSON.stringify(e.shape)) {
      throw new Error(`output ${i} shape: onnx ${JSON.stringify(out.dims)} vs tfjs ${JSON.stringify(e.shape)}`);
    }
    const ref = e.dataSync();
    diffs.push(maxAbsDiff(out.data as Float32Array, ref));
    scale.push(Math.max(1, ...Array.from(ref, Math.abs)));
  });
  tf.dispose([...tfInputs, ...expectedList]);
  return { result, diffs, scale };
}
