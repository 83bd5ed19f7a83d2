/**
 * Parity check: the same inputs through TensorFlow.js (the source model) and onnxruntime-node (the
 * exported file). Reports max abs differences and top-1 agreement; on a mismatch, re-exports with
 * every layer's output exposed and names the first layer whose output differs.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { ExportOptions, ExportResult } from './exporter.js';
import { locateMismatch, maxAbs, maxAbsValue, type Inputs, type LayerMismatch } from './verify-layers.js';
import { Rng } from '../core/rng.js';

export interface SampleImages {
  /** uint8 NHWC RGB. */
  images: Uint8Array;
  n: number;
}

export interface VerifyOptions {
  /** Max abs difference allowed on probabilities (classifiers) or on outputs relative to max(1, |ref|) (plain models). */
  tolerance: number;
  /** Random inputs to check (default 8). */
  randomCount?: number;
  /** Real images (e.g. from the dataset cache), checked in addition to the random ones. */
  samples?: SampleImages;
  seed?: number;
  /** Images per engine call (default 16). */
  batchSize?: number;
  /** Look for the first differing layer when the check fails (default true). */
  locate?: boolean;
}

export interface BatchReport {
  kind: 'random' | 'dataset';
  n: number;
  maxAbsLogits: number | null;
  maxAbsProbabilities: number | null;
  /** For plain models: max abs difference per output, and relative to max(1, |ref|). */
  maxAbsOutputs: number[];
  maxRelOutputs: number[];
  top1Agreement: number | null;
}

export type { LayerMismatch };

export interface VerifyReport {
  ok: boolean;
  tolerance: number;
  batches: BatchReport[];
  maxAbsLogits: number | null;
  maxAbsProbabilities: number | null;
  top1Agreement: number | null;
  /** The first layer (in graph order) whose output differs, when the check failed. */
  firstMismatch: LayerMismatch | null;
}

function argmaxRows(data: ArrayLike<number>, rows: number): number[] {
  const cols = data.length / rows;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c] > data[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

/** NHWC float → NCHW float (plain JS: the ONNX side gets arrays, never tensors from another engine). */
function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k];
  return out;
}

/** Build both engines' inputs from one set of uint8 images (image models) or random floats (others). */
function makeInputs(model: tf.LayersModel, result: ExportResult, options: ExportOptions, images: Uint8Array | null, n: number, rng: Rng): Inputs {
  const onnx: Record<string, ort.Tensor> = {};
  const tfjs: tf.Tensor[] = [];
  const norm = options.dataset?.normalization;
  model.inputs.forEach((s, i) => {
    const dims = s.shape.slice(1).map((d) => Number(d));
    const shape = [n, ...dims];
    const size = shape.reduce((a, b) => a * b, 1);
    const inputName = result.inputs[i].name;
    const isImage = dims.length === 3;
    let u8: Uint8Array | null = null;
    if (isImage && (images || norm || result.input === 'uint8-nhwc')) {
      u8 = images ?? Uint8Array.from({ length: size }, () => Math.floor(rng.next() * 256));
    }
    let floats: Float32Array;
    if (u8) {
      floats = new Float32Array(size);
      const c = dims[2];
      for (let j = 0; j < size; j++) {
        const ch = j % c;
        floats[j] = norm ? (u8[j] * norm.pixel_scale - norm.mean[ch]) / norm.std[ch] : u8[j];
      }
    } else {
      floats = Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
    }
    tfjs.push(tf.tensor(floats, shape, 'float32'));
    if (result.input === 'uint8-nhwc' && u8) onnx[inputName] = new ort.Tensor('uint8', u8, shape);
    else if (result.input === 'float32-nchw')
      onnx[inputName] = new ort.Tensor('float32', nhwcToNchw(floats, n, dims[0], dims[1], dims[2]), [n, dims[2], dims[0], dims[1]]);
    else onnx[inputName] = new ort.Tensor('float32', floats, shape);
  });
  return { onnx, tfjs, n };
}

async function compareBatch(
  model: tf.LayersModel,
  session: ort.InferenceSession,
  result: ExportResult,
  inputs: Inputs,
  kind: BatchReport['kind'],
): Promise<BatchReport> {
  const got = await session.run(inputs.onnx);
  const predicted = tf.tidy(() => {
    const out = model.predict(inputs.tfjs.length === 1 ? inputs.tfjs[0] : inputs.tfjs) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  });
  try {
    if (result.classifier) {
      const tfOut = predicted[0].dataSync() as Float32Array;
      const tfProbs = result.endsWithSoftmax ? tfOut : (tf.tidy(() => tf.softmax(predicted[0])).dataSync() as Float32Array);
      const onnxLogits = got.logits.data as Float32Array;
      const onnxProbs = got.probabilities.data as Float32Array;
      const a = argmaxRows(tfProbs, inputs.n);
      const b = argmaxRows(onnxProbs, inputs.n);
      return {
        kind,
        n: inputs.n,
        maxAbsLogits: result.endsWithSoftmax ? null : maxAbs(onnxLogits, tfOut),
        maxAbsProbabilities: maxAbs(onnxProbs, tfProbs),
        maxAbsOutputs: [],
        maxRelOutputs: [],
        top1Agreement: a.filter((v, i) => v === b[i]).length / inputs.n,
      };
    }
    const maxAbsOutputs: number[] = [];
    const maxRelOutputs: number[] = [];
    predicted.forEach((t, i) => {
      const ref = t.dataSync() as Float32Array;
      const d = maxAbs(got[result.outputs[i].name].data as Float32Array, ref);
      maxAbsOutputs.push(d);
      maxRelOutputs.push(d / Math.max(1, maxAbsValue(ref)));
    });
    return { kind, n: inputs.n, maxAbsLogits: null, maxAbsProbabilities: null, maxAbsOutputs, maxRelOutputs, top1Agreement: null };
  } finally {
    tf.dispose(predicted);
  }
}

function batchOk(b: BatchReport, tolerance: number): boolean {
  if (b.maxAbsProbabilities !== null) return b.maxAbsProbabilities <= tolerance;
  return b.maxRelOutputs.every((d) => d <= tolerance);
}

/** Fraction of all checked images on which both engines pick the same class. */
function overallAgreement(batches: BatchReport[]): number | null {
  const scored = batches.filter((b) => b.top1Agreement !== null);
  if (!scored.length) return null;
  const agree = scored.reduce((s, b) => s + (b.top1Agreement as number) * b.n, 0);
  return agree / scored.reduce((s, b) => s + b.n, 0);
}

export async function verifyExport(model: tf.LayersModel, result: ExportResult, exportOptions: ExportOptions, opts: VerifyOptions): Promise<VerifyReport> {
  const rng = new Rng(opts.seed ?? 1234);
  const batchSize = opts.batchSize ?? 16;
  const session = await ort.InferenceSession.create(result.bytes);
  const batches: BatchReport[] = [];
  let failing: Inputs | null = null;
  const imageDims = model.inputs[0].shape.slice(1).map(Number);
  const perImage = imageDims.reduce((a, b) => a * b, 1);
  try {
    const plan: Array<{ kind: BatchReport['kind']; n: number; images: Uint8Array | null }> = [];
    for (let done = 0, total = opts.randomCount ?? 8; done < total; done += batchSize)
      plan.push({ kind: 'random', n: Math.min(batchSize, total - done), images: null });
    if (opts.samples && opts.samples.n > 0) {
      for (let done = 0; done < opts.samples.n; done += batchSize) {
        const n = Math.min(batchSize, opts.samples.n - done);
        plan.push({ kind: 'dataset', n, images: opts.samples.images.subarray(done * perImage, (done + n) * perImage) });
      }
    }
    for (const step of plan) {
      const inputs = makeInputs(model, result, exportOptions, step.images, step.n, rng);
      const report = await compareBatch(model, session, result, inputs, step.kind);
      batches.push(report);
      if (!batchOk(report, opts.tolerance) && !failing) failing = inputs;
      else tf.dispose(inputs.tfjs);
    }
  } finally {
    await session.release();
  }
  const pick = (f: (b: BatchReport) => number | null, reduce: (a: number, b: number) => number): number | null => {
    const vals = batches.map(f).filter((v): v is number => v !== null);
    // Through a closure: Array#reduce passes (acc, value, index, array), and Math.max(…, array) is NaN.
    return vals.length ? vals.reduce((a, b) => reduce(a, b)) : null;
  };
  let firstMismatch: LayerMismatch | null = null;
  if (failing) {
    if (opts.locate !== false) firstMismatch = await locateMismatch(model, exportOptions, failing, opts.tolerance);
    tf.dispose(failing.tfjs);
  }
  return {
    ok: failing === null,
    tolerance: opts.tolerance,
    batches,
    maxAbsLogits: pick((b) => b.maxAbsLogits, Math.max),
    maxAbsProbabilities: pick((b) => b.maxAbsProbabilities, Math.max),
    top1Agreement: overallAgreement(batches),
    firstMismatch,
  };
}
