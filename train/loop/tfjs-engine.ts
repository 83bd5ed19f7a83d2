/** The TensorFlow.js engine: gradients by tf.variableGrads on the active backend (wasm, native TensorFlow, cpu), weights in the model's variables. */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../core/config/index.js';
import { createOptimizer, type Optimizer, type Param } from '../optim/index.js';
import type { OptimizerState } from '../types.js';
import type { Batch } from '../data/provider.js';
import { disposeBatch } from '../../dataset/index.js';
import { computeGradients } from './step.js';
import { evaluate } from './evaluate.js';
import { installBatchNormGradient } from './batchnorm-grad.js';
import type { EngineWeight, GradientOptions, GradientResult, NamedGradient, TrainingEngine } from './engine.js';

export class TfjsEngine implements TrainingEngine {
  private readonly optimizer: Optimizer;
  private readonly params: Param[];
  private grads: tf.Tensor[] | null = null;

  constructor(
    readonly model: tf.LayersModel,
    train: TrainConfig,
    readonly name: string = tf.getBackend(),
  ) {
    installBatchNormGradient();
    this.optimizer = createOptimizer(train);
    this.params = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  }

  async computeGradients(batch: Batch, opts: GradientOptions): Promise<GradientResult> {
    try {
      const out = computeGradients(this.model, this.params, batch, opts);
      this.discardGradients();
      this.grads = out.grads;
      return { loss: out.loss, correct: out.correct, gradNorm: out.gradNorm };
    } finally {
      disposeBatch(batch);
    }
  }

  gradients(): NamedGradient[] {
    const grads = this.grads ?? [];
    return this.params.map((p, i) => ({ name: p.name, shape: [...p.variable.shape], data: Float32Array.from(grads[i].dataSync() as Float32Array) }));
  }

  applyUpdate(lr: number): void {
    if (!this.grads) throw new Error('applyUpdate without gradients');
    this.optimizer.apply(this.params, this.grads, lr);
    this.discardGradients();
  }

  discardGradients(): void {
    if (this.grads) tf.dispose(this.grads);
    this.grads = null;
  }

  evaluate(batches: AsyncIterable<Batch> | Iterable<Batch>, numClasses: number) {
    return evaluate(this.model, batches, numClasses);
  }

  async predictLogits(x: tf.Tensor4D): Promise<Float32Array> {
    const logits = tf.tidy(() => this.model.apply(x, { training: false }) as tf.Tensor);
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  get description(): string {
    return `TensorFlow.js ${tf.version_core} ${this.name}`;
  }

  getOptimizerState(): OptimizerState {
    return this.optimizer.getState();
  }

  setOptimizerState(state: OptimizerState): void {
    this.optimizer.setState(state, this.params);
  }

  weightArrays(): EngineWeight[] {
    return this.model.weights
      .filter((v) => v.dtype === 'float32')
      .map((v) => ({ name: v.originalName, data: Float32Array.from(v.read().dataSync() as Float32Array) }));
  }

  setWeightArrays(arrays: ReadonlyMap<string, Float32Array>): void {
    for (const v of this.model.weights) {
      const data = arrays.get(v.originalName);
      if (!data) continue;
      const t = tf.tensor(data, v.shape as number[], 'float32');
      v.write(t);
      t.dispose();
    }
  }

  toModelLayout(_name: string, data: Float32Array): Float32Array {
    return data;
  }

  fromModelLayout(_name: string, data: Float32Array): Float32Array {
    return data;
  }

  syncModel(): void {}

  dispose(): void {
    this.discardGradients();
    this.optimizer.dispose();
  }
}
