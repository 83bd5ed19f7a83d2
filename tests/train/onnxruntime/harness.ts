/**
 * Gradients of L = Σ model(x)·r with respect to the input and every trainable weight, three ways:
 * the onnxruntime engine's backward graph, TensorFlow.js (`cpu` backend) and central finite
 * differences of the engine's own forward graph. Values come back in the model's (Keras) layout.
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { Rng } from '../../../core/rng.js';
import { permute } from '../../../onnx/permute.js';
import { serializeModel } from '../../../onnx/serialize.js';
import { buildBackward } from '../../../train/onnxruntime/autodiff.js';
import { buildForward, IMAGE_INPUT } from '../../../train/onnxruntime/forward.js';
import { lowerPseudoOps } from '../../../train/onnxruntime/pseudo-ops.js';
import { nextDropoutMask, seedDropout } from '../../../train/model/spatial-dropout.js';

export interface Gradients {
  /** Gradient by name: `image`, then the weights' names. */
  byName: Map<string, Float32Array>;
  loss: number;
}

export interface Problem {
  model: tf.LayersModel;
  x: Float32Array;
  xShape: number[];
  /** The output's cotangent in the model's (NHWC or [N, K]) layout. */
  r: Float32Array;
  dropoutSeed: number;
}

export function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

export function problem(model: tf.LayersModel, batch: number, seed = 1): Problem {
  const rng = new Rng(seed);
  const xShape = [batch, ...model.inputs[0].shape.slice(1).map(Number)];
  const outShape = [batch, ...model.outputs[0].shape.slice(1).map(Number)];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return { model, x: randomArray(size(xShape), rng), xShape, r: randomArray(size(outShape), rng), dropoutSeed: seed + 7 };
}

/** NHWC-or-2D model output layout → the graph's NCHW. */
function toGraphLayout(data: Float32Array, shape: number[]): Float32Array {
  return shape.length === 4 ? permute(data, shape, [0, 3, 1, 2]).data : data;
}

/** The engine's graphs: forward in training mode plus the backward seeded by the input `r`. */
async function sessions(p: Problem) {
  const fw = buildForward(p.model, 'train');
  const { tg } = fw;
  const outDims = tg.shape(fw.logits);
  tg.g.addInput({ name: 'r', dtype: 'float32', dims: outDims });
  tg.setShape('r', outDims);
  const trainable = fw.weights.filter((w) => w.trainable);
  const grads = buildBackward(tg, new Map([[fw.logits, 'r']]), [IMAGE_INPUT, ...trainable.map((w) => w.input)]);
  const names: string[] = [];
  const outputs: string[] = [];
  for (const [wrt, g] of grads) {
    names.push(wrt);
    outputs.push(g);
  }
  tg.g.addOutput({ name: fw.logits, dtype: 'float32', dims: outDims });
  for (const o of outputs) if (o !== fw.logits) tg.g.addOutput({ name: o, dtype: 'float32', dims: tg.shape(o) });
  lowerPseudoOps(tg);
  const bytes = serializeModel(tg.g.graph, { producerName: 'test', producerVersion: '0', metadata: {} });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  return { fw, session, names, outputs };
}

function weightFeeds(p: Problem, fw: ReturnType<typeof buildForward>, batch: number, overrides = new Map<string, Float32Array>()) {
  const feeds: Record<string, ort.Tensor> = {};
  const byName = new Map(p.model.weights.map((v) => [v.originalName, v]));
  for (const b of fw.weights) {
    const keras = overrides.get(b.name) ?? (byName.get(b.name)!.read().dataSync() as Float32Array);
    const data = b.perm ? permute(Float32Array.from(keras), b.kerasShape, b.perm).data : Float32Array.from(keras);
    feeds[b.input] = new ort.Tensor('float32', data, b.onnxShape);
  }
  seedDropout(p.dropoutSeed);
  for (const d of fw.dropouts) {
    const mask = nextDropoutMask(batch, d.channels, d.rate);
    feeds[d.input] = new ort.Tensor('float32', Float32Array.from(mask.dataSync() as Float32Array), [batch, d.channels, 1, 1]);
    mask.dispose();
  }
  return feeds;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

export async function engineGradients(p: Problem): Promise<Gradients & { lossAt(x: Float32Array, weights: Map<string, Float32Array>): Promise<number> }> {
  const { fw, session, names, outputs } = await sessions(p);
  const batch = p.xShape[0];
  const outShape = [batch, ...p.model.outputs[0].shape.slice(1).map(Number)];
  const rGraph = toGraphLayout(p.r, outShape);
  const run = async (x: Float32Array, overrides?: Map<string, Float32Array>) =>
    session.run({
      ...weightFeeds(p, fw, batch, overrides),
      [IMAGE_INPUT]: new ort.Tensor('float32', x, p.xShape),
      r: new ort.Tensor('float32', rGraph, fw.tg.shape(fw.logits).map((d) => (d === 'N' ? batch : d)) as number[]),
    });
  const out = await run(p.x);
  const byName = new Map<string, Float32Array>();
  names.forEach((name, i) => {
    const data = out[outputs[i]].data as Float32Array;
    const b = fw.weights.find((w) => w.input === name);
    byName.set(
      name === IMAGE_INPUT ? 'image' : b!.name,
      b?.perm
        ? permute(
            data,
            b.onnxShape,
            b.perm.map((_, k) => b.perm!.indexOf(k)),
          ).data
        : Float32Array.from(data),
    );
  });
  const lossOf = (o: ort.InferenceSession.ReturnType) => dot(o[fw.logits].data as Float32Array, rGraph);
  return { byName, loss: lossOf(out), lossAt: async (x, weights) => lossOf(await run(x, weights)) };
}

export function tfjsGradients(p: Problem): Gradients {
  const vars = p.model.trainableWeights.map((w) => w.read() as tf.Variable);
  seedDropout(p.dropoutSeed);
  const byName = new Map<string, Float32Array>();
  const loss = tf.tidy(() => {
    const x = tf.tensor(p.x, p.xShape);
    const r = tf.tensor(p.r, [p.xShape[0], ...p.model.outputs[0].shape.slice(1).map(Number)]);
    const f = (input: tf.Tensor) => tf.sum(tf.mul(p.model.apply(input, { training: true }) as tf.Tensor, r)) as tf.Scalar;
    const dx = tf.grad(f)(x);
    seedDropout(p.dropoutSeed);
    const { value, grads } = tf.variableGrads(() => f(x), vars);
    byName.set('image', Float32Array.from(dx.dataSync() as Float32Array));
    p.model.trainableWeights.forEach((w, i) => {
      byName.set(w.originalName, Float32Array.from(grads[vars[i].name].dataSync() as Float32Array));
    });
    return value.dataSync()[0];
  });
  return { byName, loss };
}

/** ‖a − b‖ / ‖b‖. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

/**
 * Central differences of the engine's forward loss at `count` random coordinates of each tensor;
 * returns the worst |numeric − analytic| / (|analytic| + scale), scale the tensor's largest gradient.
 */
export async function finiteDifferenceError(p: Problem, g: Awaited<ReturnType<typeof engineGradients>>, count = 4, eps = 1e-2): Promise<Map<string, number>> {
  const rng = new Rng(99);
  const result = new Map<string, number>();
  const byName = new Map(p.model.weights.map((v) => [v.originalName, v]));
  for (const [name, analytic] of g.byName) {
    const scale = analytic.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    for (let k = 0; k < count; k++) {
      const i = rng.int(analytic.length);
      const shifted = async (delta: number) => {
        if (name === 'image') {
          const x = Float32Array.from(p.x);
          x[i] += delta;
          return g.lossAt(x, new Map());
        }
        const w = Float32Array.from(byName.get(name)!.read().dataSync() as Float32Array);
        w[i] += delta;
        return g.lossAt(p.x, new Map([[name, w]]));
      };
      const numeric = ((await shifted(eps)) - (await shifted(-eps))) / (2 * eps);
      worst = Math.max(worst, Math.abs(numeric - analytic[i]) / (Math.abs(analytic[i]) + scale));
    }
    result.set(name, worst);
  }
  return result;
}
