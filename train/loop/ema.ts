/**
 * An exponential moving average of every weight (BatchNorm statistics included), timm's ModelEmaV3:
 * after optimizer update t, ema ← d·ema + (1 − d)·w with d = 0 at t = 1 (a copy), then the
 * configured decay, or with warmup min(decay, 1 − (1 + t − 1)^(−2/3)) so that early weights, far
 * from the end point, fade fast. Kept in the engine's layout, beside the weights it follows.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../core/config/index.js';
import type { RawTensor } from '../checkpoint/format.js';
import type { EngineWeight, TrainingEngine } from './engine.js';
import type { EpochMetrics } from '../types.js';

export function emaDecay(updates: number, decay: number, warmup: boolean): number {
  const t = updates - 1;
  if (t <= 0) return 0;
  return warmup ? Math.min(decay, Math.max(0, 1 - (1 + t) ** (-2 / 3))) : decay;
}

export class WeightEma {
  /** The averages by weight name, in the engine's layout. */
  readonly arrays = new Map<string, Float32Array>();

  constructor(readonly cfg: TrainConfig['ema']) {}

  /** Fold in the weights as they stand after optimizer update number `updates` (1-based). */
  update(weights: EngineWeight[], updates: number): void {
    const d = emaDecay(updates, this.cfg.decay, this.cfg.warmup);
    for (const w of weights) {
      const avg = this.arrays.get(w.name);
      if (!avg || d === 0) {
        this.arrays.set(w.name, Float32Array.from(w.data));
        continue;
      }
      const keep = 1 - d;
      const src = w.data;
      for (let j = 0; j < avg.length; j++) avg[j] = d * avg[j] + keep * src[j];
    }
  }
}

/** The EMA of one engine's weights: kept in its layout, checkpointed in the model's, swapped in to be evaluated or saved. */
export class EngineEma extends WeightEma {
  private readonly shapes: Map<string, number[]>;

  constructor(
    cfg: TrainConfig['ema'],
    private readonly engine: TrainingEngine,
    model: tf.LayersModel,
  ) {
    super(cfg);
    this.shapes = new Map(model.weights.map((w) => [w.originalName, w.shape as number[]]));
  }

  /** Fold in the engine's weights after optimizer update number `updates`. */
  follow(updates: number): void {
    this.update(this.engine.weightArrays(), updates);
  }

  /** The average in the model's layout, as checkpoints hold it. */
  tensors(): RawTensor[] {
    return [...this.arrays].map(([name, data]) => ({
      name,
      shape: [...this.shapes.get(name)!],
      dtype: 'float32',
      data: this.engine.toModelLayout(name, data),
    }));
  }

  load(tensors: RawTensor[]): void {
    for (const t of tensors) this.arrays.set(t.name, this.engine.fromModelLayout(t.name, t.data as Float32Array));
  }

  /** Run `fn` with the average in the engine and the model, then put the trained weights back. */
  async swappedIn<T>(fn: () => T | Promise<T>): Promise<T> {
    const trained = new Map(this.engine.weightArrays().map((w) => [w.name, Float32Array.from(w.data)]));
    this.engine.setWeightArrays(this.arrays);
    this.engine.syncModel();
    try {
      return await fn();
    } finally {
      this.engine.setWeightArrays(trained);
      this.engine.syncModel();
    }
  }
}

/** An epoch's metrics as they read for the EMA weights: its val/ema_* values in the val/* places (for a checkpoint holding the EMA). */
export function emaAsValMetrics(m: EpochMetrics): EpochMetrics {
  if (m['val/ema_accuracy'] === undefined) return m;
  return { ...m, 'val/loss': m['val/ema_loss']!, 'val/accuracy': m['val/ema_accuracy'], 'val/top5': m['val/ema_top5']!, 'val/f1': m['val/ema_f1']! };
}
