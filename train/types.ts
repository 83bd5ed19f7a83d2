import type { EpochRecord } from '../core/protocol-artifacts.js';
import type { MonitoredMetric } from '../core/monitored-metric.js';
import type { RngState } from '../core/rng.js';
import type { RawTensor } from './checkpoint/format.js';

/** Metric keys that can be monitored, named as TensorBoard tags (core/monitored-metric.ts). */
export type MonitorKey = MonitoredMetric;

/** One epoch's results: everything the log line, TensorBoard and the checkpoint history keep. */
export interface EpochMetrics extends EpochRecord {
  /** The same validation metrics for the EMA of the weights (train.ema). */
  'val/ema_loss'?: number;
  'val/ema_accuracy'?: number;
  'val/ema_top5'?: number;
  'val/ema_f1'?: number;
  /** Training images per second over the epoch. */
  throughput: number;
  seconds: number;
}

/** Dataset meta as the dataset cache's meta.json holds it (input_shape, num_classes, classes, mean/std ...). */
export type DatasetMetaLike = Record<string, unknown>;

export interface OptimizerState {
  name: string;
  /** Optimizer steps applied so far. */
  step: number;
  /** Slot tensors (moments, velocities), named `<weight>/<slot>`. */
  slots: RawTensor[];
}

export interface BestMetric {
  monitor: MonitorKey;
  value: number;
  epoch: number;
  /** The weights that reached it: the trained ones, or their EMA (train.ema). */
  weights?: 'raw' | 'ema';
}

/** Where the random streams stand, so a resumed run draws the same numbers. */
export interface RngSnapshot {
  dropout: RngState;
}

/** Running sums of an unfinished epoch (saved on a mid-epoch stop so the resumed epoch reports the same metrics). */
export interface EpochProgress {
  lossSum: number;
  correct: number;
  seen: number;
  trainSeconds: number;
}
