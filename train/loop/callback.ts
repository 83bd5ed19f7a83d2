import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../../core/config/index.js';
import type { CheckpointContents } from '../checkpoint/checkpoint.js';
import type { BestMetric, EpochMetrics } from '../types.js';
import type { DataProvider } from '../data/provider.js';

export type StopReason = 'completed' | 'early_stopping' | 'interrupted' | 'non_finite' | 'callback';

/** What the loop shares with its plug-ins. */
export interface TrainerContext {
  model: tf.LayersModel;
  config: Config;
  data: DataProvider;
  backend: string;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps applied. */
  step: number;
  /** Batches done in the current epoch. */
  batchInEpoch: number;
  stepsPerEpoch: number;
  history: EpochMetrics[];
  best: BestMetric | null;
  /** True in onEpochEnd when this epoch set a new best on train.monitor. */
  improved: boolean;
  /** Ask the loop to stop after the current step (epoch-end callbacks stop after the epoch). */
  requestStop(reason: StopReason, message?: string): void;
  readonly stopReason: StopReason | null;
  /** The full resumable state right now (for checkpoints). */
  snapshot(): CheckpointContents;
  /** In onEpochEnd: whether the epoch's best came from the trained weights or from their EMA (train.ema). */
  bestWeights: 'raw' | 'ema';
  /** Run `fn` with the model holding the weights behind `bestWeights` (the trained ones are back afterwards). */
  withBestWeights<T>(fn: () => T | Promise<T>): Promise<T>;
}

export interface StepInfo {
  epoch: number;
  /** Batch index in the epoch (0-based). */
  batch: number;
  step: number;
  loss: number;
  accuracy: number;
  lr: number;
  images: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface TrainResult {
  history: EpochMetrics[];
  best: BestMetric | null;
  stopReason: StopReason;
  message?: string;
  epoch: number;
  step: number;
}

/**
 * A plug-in of the training loop (Keras/Lightning style). Every hook is optional and may be async.
 * `beforeUpdate` runs after the gradients are computed and before the weights change: throwing
 * there (the NaN guard does) stops the run with the weights still good.
 */
export interface Callback {
  readonly name: string;
  onTrainBegin?(ctx: TrainerContext): void | Promise<void>;
  onEpochBegin?(ctx: TrainerContext, epoch: number): void | Promise<void>;
  beforeUpdate?(ctx: TrainerContext, info: StepInfo): void | Promise<void>;
  onBatchEnd?(ctx: TrainerContext, info: StepInfo): void | Promise<void>;
  onEpochEnd?(ctx: TrainerContext, metrics: EpochMetrics): void | Promise<void>;
  onTrainEnd?(ctx: TrainerContext, result: TrainResult): void | Promise<void>;
  /** State saved in checkpoints and restored on resume. */
  getState?(): unknown;
  setState?(state: unknown): void;
}
