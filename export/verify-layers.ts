/**
 * Find the first layer whose output differs between TensorFlow.js and the exported graph:
 * re-export with every layer's output exposed (BN folding off, so each layer's value exists), run
 * the source model eagerly layer by layer along the same walk, and compare record by record.
 * Works inside nested models too, which a tf.model() over intermediate tensors cannot reach.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { exportLayersModel, type ExportOptions } from './exporter.js';
import { walkModel, type WalkRecord } from '../onnx/keras-walk.js';

export interface Inputs {
  /** What the ONNX graph's inputs take, by input name. */
  onnx: Record<string, ort.Tensor>;
  /** What the tfjs model takes (float, channels-last). */
  tfjs: tf.Tensor[];
  n: number;
}

export interface LayerMismatch {
  layer: string;
  className: string;
  maxAbsDiff: number;
  /** max abs diff / max(1, max |tfjs value|). */
  relDiff: number;
}

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN counts as a difference
  }
  return m;
}

export function maxAbsValue(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Every layer call's output, computed eagerly in tfjs along the exporter's walk order. */
export function evaluateLayers(model: tf.LayersModel, inputs: tf.Tensor[]): Array<WalkRecord<tf.Tensor>> {
  const records: Array<WalkRecord<tf.Tensor>> = [];
  walkModel<tf.Tensor>(
    model,
    inputs,
    ({ layer }, ins) => {
      const y = layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(y) ? y : [y];
    },
    records,
  );
  return records;
}

/** The first `k` items of a batch, for both engines (localizing needs few images, and keeps memory low). */
function headOf(inputs: Inputs, k: number): Inputs {
  const n = Math.min(k, inputs.n);
  const onnx = Object.fromEntries(
    Object.entries(inputs.onnx).map(([name, t]) => {
      const per = t.size / inputs.n;
      return [name, new ort.Tensor(t.type as 'float32', (t.data as Float32Array).slice(0, n * per), [n, ...t.dims.slice(1)])];
    }),
  );
  const tfjs = inputs.tfjs.map((t) => tf.slice(t, 0, n));
  return { onnx, tfjs, n };
}

export async function locateMismatch(model: tf.LayersModel, options: ExportOptions, batch: Inputs, tolerance: number): Promise<LayerMismatch | null> {
  const debug = exportLayersModel(model, { ...options, foldBatchNorm: false, debugOutputs: true });
  const inputs = headOf(batch, 2);
  const session = await ort.InferenceSession.create(debug.bytes);
  let records: Array<WalkRecord<tf.Tensor>> = [];
  try {
    const got = await session.run(
      inputs.onnx,
      debug.debugOutputs.map((d) => d.output),
    );
    records = evaluateLayers(model, inputs.tfjs);
    // Intermediate activations are not probabilities: compare relative to their scale, a bit looser.
    const threshold = Math.max(tolerance, 1e-3);
    for (const d of debug.debugOutputs) {
      const ref = records[d.record].outputs[d.index].dataSync() as Float32Array;
      const diff = maxAbs(got[d.output].data as Float32Array, ref);
      const rel = diff / Math.max(1, maxAbsValue(ref));
      if (!(rel <= threshold)) return { layer: d.layer, className: d.className, maxAbsDiff: diff, relDiff: rel };
    }
    return null;
  } finally {
    await session.release();
    tf.dispose([...inputs.tfjs, ...records.flatMap((r) => r.outputs)]);
  }
}
