/**
 * The onnxruntime training engine: the step graph and the evaluation graph of step-graph.ts run
 * on onnxruntime-node's native kernels, weights and optimizer slots kept in ONNX layout as
 * Float32Arrays the sessions read in place, the update done in JavaScript (optim/array-optimizers).
 * The tfjs model stays the source of the topology and receives the weights for every checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import type { TrainConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { permute } from '../../onnx/permute.js';
import { ArrayOptimizer, SLOT_NAMES, type ArrayParam } from '../optim/array-optimizers.js';
import { nextDropoutMask } from '../model/spatial-dropout.js';
import type { Batch } from '../data/provider.js';
import { disposeBatch } from '../../dataset/index.js';
import type { OptimizerState } from '../types.js';
import type { RawTensor } from '../checkpoint/format.js';
import { scoreBatches } from '../loop/evaluate.js';
import type { EngineWeight, GradientOptions, GradientResult, NamedGradient, TrainingEngine } from '../loop/engine.js';
import { IMAGE_INPUT } from './forward.js';
import { TARGET_INPUT, LOSS_OUTPUT } from './loss.js';
import { buildEvalGraph, buildTrainGraph, gradientOutput, LOGITS_OUTPUT, nextStateOutput, type BuiltGraph } from './step-graph.js';
import { createSession, runtimeError, type TrainProvider } from './session.js';
import { nchwcBlockSize } from './passes/nchwc-block.js';
import { createLogger } from '../../core/log.js';

const log = createLogger('onnxruntime');
import type { WeightBinding } from './layers/registry.js';

interface HeldWeight {
  binding: WeightBinding;
  variable: tf.LayerVariable;
  /** ONNX layout; the sessions read it in place. */
  data: Float32Array;
  tensor: ort.Tensor;
}

export interface OnnxRuntimeEngineOptions {
  train: TrainConfig;
  provider: TrainProvider;
  threads: number;
  /** Profile the training step session into files starting with this path (benchmarks). */
  profilePrefix?: string;
  /** `nchwc` (default on the CPU provider when MLAS has the kernels) or plain `nchw`. */
  layout?: 'nchwc' | 'nchw';
}

const inverse = (perm: number[]) => perm.map((_, i) => perm.indexOf(i));

/** Soft targets: one-hot with label smoothing, as tf.losses.softmaxCrossEntropy builds them. */
export function softTargets(labels: Int32Array, numClasses: number, smoothing: number): Float32Array {
  const t = new Float32Array(labels.length * numClasses).fill(smoothing / numClasses);
  const hit = Math.fround(1 - smoothing) + Math.fround(smoothing / numClasses);
  labels.forEach((label, i) => {
    if (!(label >= 0 && label < numClasses))
      throw new TinynetError('train.bad_label', `label ${label} is outside [0, ${numClasses})`, 'check the dataset cache (tinynet data prepare)');
    t[i * numClasses + label] = hit;
  });
  return t;
}

function countCorrect(logits: Float32Array, labels: Int32Array, numClasses: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (logits[i * numClasses + k] > logits[i * numClasses + best]) best = k;
    if (best === labels[i]) correct++;
  }
  return correct;
}

export class OnnxRuntimeEngine implements TrainingEngine {
  readonly name = 'onnxruntime';
  private readonly optimizer: ArrayOptimizer;
  private readonly held = new Map<string, HeldWeight>();
  private readonly params: ArrayParam[];
  private grads: Float32Array[] | null = null;
  private gradScale = 1;
  /** onnxruntime writes each gradient into these (no allocation per step); the loss, logits and statistics it allocates. */
  private readonly fetches: Record<string, ort.Tensor | null>;

  private constructor(
    readonly model: tf.LayersModel,
    readonly provider: TrainProvider,
    readonly threads: number,
    private readonly step: BuiltGraph,
    evalGraph: BuiltGraph,
    private readonly stepSession: ort.InferenceSession,
    private readonly evalSession: ort.InferenceSession,
    train: TrainConfig,
  ) {
    this.optimizer = new ArrayOptimizer(train);
    const variables = new Map(model.weights.map((v) => [v.originalName, v]));
    const bindings = new Map<string, WeightBinding>();
    for (const b of [...step.forward.weights, ...evalGraph.forward.weights]) bindings.set(b.name, b);
    for (const b of bindings.values()) {
      const variable = variables.get(b.name);
      if (!variable) throw new Error(`the training graph reads weight ${b.name}, which the model does not have`);
      const keras = variable.read().dataSync() as Float32Array;
      const data = b.perm ? permute(Float32Array.from(keras), b.kerasShape, b.perm).data : Float32Array.from(keras);
      this.held.set(b.name, { binding: b, variable, data, tensor: new ort.Tensor('float32', data, b.onnxShape) });
    }
    this.params = step.forward.weights.filter((w) => w.trainable).map((w) => ({ name: w.name, data: this.weight(w.name).data }));
    this.fetches = Object.fromEntries(stepSession.outputNames.map((name) => [name, null]));
    for (const w of step.forward.weights.filter((b) => b.trainable)) {
      this.fetches[gradientOutput(w.name)] = new ort.Tensor('float32', new Float32Array(w.onnxShape.reduce((a, b) => a * b, 1)), w.onnxShape);
    }
  }

  static async create(model: tf.LayersModel, opts: OnnxRuntimeEngineOptions): Promise<OnnxRuntimeEngine> {
    if (opts.provider === 'cuda') {
      try {
        return await OnnxRuntimeEngine.createOn(model, opts);
      } catch (err) {
        // The CUDA build is installed but cannot run here (no driver, no device, a cuDNN mismatch).
        log.warn(`onnxruntime CUDA provider failed (${(err as Error).message.split('\n')[0]}); training on the CPU provider`);
        return OnnxRuntimeEngine.createOn(model, { ...opts, provider: 'cpu' });
      }
    }
    return OnnxRuntimeEngine.createOn(model, opts);
  }

  private static async createOn(model: tf.LayersModel, opts: OnnxRuntimeEngineOptions): Promise<OnnxRuntimeEngine> {
    const nchwcBlock = opts.provider === 'cpu' && opts.layout !== 'nchw' ? await nchwcBlockSize() : null;
    const step = buildTrainGraph(model, { nchwcBlock });
    const evalGraph = buildEvalGraph(model, { nchwcBlock });
    const stepSession = await createSession(step.bytes, opts.provider, opts.threads, 'training step', opts.profilePrefix);
    const evalSession = await createSession(evalGraph.bytes, opts.provider, opts.threads, 'evaluation');
    const blocked = step.graph.nodes.filter((n) => n.domain).length;
    log.info(
      `training graph ${step.graph.nodes.length} nodes, evaluation graph ${evalGraph.graph.nodes.length}; provider ${opts.provider}, ` +
        (nchwcBlock ? `NCHWc layout (block ${nchwcBlock}, ${blocked} blocked ops)` : 'NCHW layout') +
        `, ${step.forward.weights.filter((w) => w.trainable).length} trainable tensors`,
    );
    return new OnnxRuntimeEngine(model, opts.provider, opts.threads, step, evalGraph, stepSession, evalSession, opts.train);
  }

  /** Nodes of the training step graph (for logs and benchmarks). */
  get stepNodes(): number {
    return this.step.graph.nodes.length;
  }

  /** Stop profiling the step session (created with profilePrefix); onnxruntime then writes its file. */
  endProfiling(): void {
    this.stepSession.endProfiling();
  }

  private weight(name: string): HeldWeight {
    const w = this.held.get(name);
    if (!w) throw new Error(`no weight ${name}`);
    return w;
  }

  private weightFeeds(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
    for (const name of session.inputNames) if (!(name in feeds)) feeds[name] = this.weight(name).tensor;
    return feeds;
  }

  /** One run of the step graph on `n` images; returns its outputs. */
  private async runStep(
    x: Float32Array,
    labels: Int32Array,
    targets: Float32Array | null,
    shape: number[],
    opts: GradientOptions,
  ): Promise<ort.InferenceSession.ReturnType> {
    const n = labels.length;
    const feeds: Record<string, ort.Tensor> = {
      [IMAGE_INPUT]: new ort.Tensor('float32', x, [n, ...shape]),
      [TARGET_INPUT]: new ort.Tensor('float32', targets ?? softTargets(labels, opts.numClasses, opts.labelSmoothing), [n, opts.numClasses]),
    };
    for (const site of this.step.forward.dropouts) {
      const mask = nextDropoutMask(n, site.channels, site.rate);
      feeds[site.input] = new ort.Tensor('float32', mask.dataSync() as Float32Array, [n, site.channels, 1, 1]);
      mask.dispose();
    }
    try {
      return await this.stepSession.run(this.weightFeeds(this.stepSession, feeds), this.fetches);
    } catch (err) {
      throw runtimeError('in the training step', err);
    }
  }

  async computeGradients(batch: Batch, opts: GradientOptions): Promise<GradientResult> {
    let x: Float32Array;
    let labels: Int32Array;
    // Mixed batches bring their soft targets; otherwise they are built from the labels.
    let targets: Float32Array | null = null;
    const shape = batch.x.shape.slice(1);
    try {
      x = (await batch.x.data()) as Float32Array;
      labels = Int32Array.from((await batch.y.data()) as Int32Array);
      if (batch.targets) targets = (await batch.targets.data()) as Float32Array;
    } finally {
      disposeBatch(batch);
    }
    const size = labels.length;
    const micro = opts.microBatch > 0 && opts.microBatch < size ? opts.microBatch : size;
    const pixels = shape.reduce((a, b) => a * b, 1);
    let loss = 0;
    let correct = 0;
    let grads: Float32Array[] | null = null;
    for (let start = 0; start < size; start += micro) {
      const n = Math.min(micro, size - start);
      const part = labels.subarray(start, start + n);
      const partTargets = targets && n !== size ? targets.subarray(start * opts.numClasses, (start + n) * opts.numClasses) : targets;
      const out = await this.runStep(n === size ? x : x.subarray(start * pixels, (start + n) * pixels), part, partTargets, shape, opts);
      const weight = n / size;
      loss += (out[LOSS_OUTPUT].data as Float32Array)[0] * weight;
      correct += countCorrect(out[LOGITS_OUTPUT].data as Float32Array, part, opts.numClasses);
      for (const u of this.step.forward.updates) this.weight(u.weight).data.set(out[nextStateOutput(u.weight)].data as Float32Array);
      const partGrads = this.params.map((p) => out[gradientOutput(p.name)].data as Float32Array);
      if (grads === null) {
        grads = micro === size ? partGrads : partGrads.map((g) => g.map((v) => v * weight));
      } else {
        const sum: Float32Array[] = grads;
        partGrads.forEach((g, i) => {
          const acc = sum[i];
          for (let j = 0; j < g.length; j++) acc[j] += g[j] * weight;
        });
      }
    }
    const all = grads as Float32Array[];
    let squares = 0;
    for (const g of all) for (let j = 0; j < g.length; j++) squares += g[j] * g[j];
    const gradNorm = Math.sqrt(squares);
    this.grads = all;
    this.gradScale = opts.gradClip > 0 && Number.isFinite(gradNorm) && gradNorm > opts.gradClip ? opts.gradClip / gradNorm : 1;
    return { loss, correct, gradNorm };
  }

  gradients(): NamedGradient[] {
    const grads = this.grads ?? [];
    return this.params.map((p, i) => {
      const b = this.weight(p.name).binding;
      return { name: p.name, shape: b.kerasShape.slice(), data: b.perm ? permute(grads[i], b.onnxShape, inverse(b.perm)).data : grads[i] };
    });
  }

  applyUpdate(lr: number): void {
    if (!this.grads) throw new Error('applyUpdate without gradients');
    this.optimizer.apply(this.params, this.grads, lr, this.gradScale);
    this.discardGradients();
  }

  discardGradients(): void {
    this.grads = null;
  }

  evaluate(batches: AsyncIterable<Batch> | Iterable<Batch>, numClasses: number) {
    return scoreBatches(batches, numClasses, (batch) => this.predictLogits(batch.x));
  }

  async predictLogits(x: tf.Tensor4D): Promise<Float32Array> {
    const data = (await x.data()) as Float32Array;
    const feeds = { [IMAGE_INPUT]: new ort.Tensor('float32', data, x.shape) };
    try {
      const out = await this.evalSession.run(this.weightFeeds(this.evalSession, feeds));
      return out[LOGITS_OUTPUT].data as Float32Array;
    } catch (err) {
      throw runtimeError('in evaluation', err);
    }
  }

  get description(): string {
    return `onnxruntime-node ${ort.env.versions.common} ${this.provider}`;
  }

  getOptimizerState(): OptimizerState {
    const slots: RawTensor[] = [];
    for (const [key, data] of this.optimizer.slots) {
      const cut = key.lastIndexOf('/');
      const b = this.weight(key.slice(0, cut)).binding;
      const keras = b.perm ? permute(data, b.onnxShape, inverse(b.perm)).data : Float32Array.from(data);
      slots.push({ name: key, shape: b.kerasShape.slice(), dtype: 'float32', data: keras });
    }
    return { name: this.optimizer.name, step: this.optimizer.step, slots };
  }

  setOptimizerState(state: OptimizerState): void {
    if (state.name !== this.optimizer.name) {
      throw new TinynetError(
        'train.optimizer_mismatch',
        `the checkpoint's optimizer state is for ${state.name}, this run uses ${this.optimizer.name}`,
        `resume with --set train.optimizer=${state.name}, or start a new run`,
      );
    }
    const trainable = new Set(this.params.map((p) => p.name));
    this.optimizer.slots.clear();
    for (const s of state.slots) {
      const cut = s.name.lastIndexOf('/');
      const name = s.name.slice(0, cut);
      const b = trainable.has(name) ? this.weight(name).binding : null;
      if (!b || !SLOT_NAMES[this.optimizer.name].includes(s.name.slice(cut + 1)) || b.kerasShape.join() !== s.shape.join()) {
        throw new TinynetError(
          'train.optimizer_mismatch',
          `optimizer slot ${s.name} [${s.shape}] does not fit this model`,
          'resume with the model config the checkpoint was trained with',
        );
      }
      const data = Float32Array.from(s.data as Float32Array);
      this.optimizer.slots.set(s.name, b.perm ? permute(data, b.kerasShape, b.perm).data : data);
    }
    this.optimizer.step = state.step;
  }

  weightArrays(): EngineWeight[] {
    return [...this.held.values()].map((w) => ({ name: w.binding.name, data: w.data }));
  }

  setWeightArrays(arrays: ReadonlyMap<string, Float32Array>): void {
    for (const [name, data] of arrays) this.weight(name).data.set(data);
  }

  toModelLayout(name: string, data: Float32Array): Float32Array {
    const b = this.weight(name).binding;
    return b.perm ? permute(data, b.onnxShape, inverse(b.perm)).data : Float32Array.from(data);
  }

  fromModelLayout(name: string, data: Float32Array): Float32Array {
    const b = this.weight(name).binding;
    return b.perm ? permute(Float32Array.from(data), b.kerasShape, b.perm).data : Float32Array.from(data);
  }

  syncModel(): void {
    for (const w of this.held.values()) {
      const b = w.binding;
      const keras = b.perm ? permute(w.data, b.onnxShape, inverse(b.perm)).data : Float32Array.from(w.data);
      const t = tf.tensor(keras, b.kerasShape, 'float32');
      w.variable.write(t);
      t.dispose();
    }
  }

  dispose(): void {
    this.grads = null;
    void this.stepSession.release();
    void this.evalSession.release();
  }
}
