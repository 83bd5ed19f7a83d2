import { z } from 'zod';
import { MONITORED_METRICS } from '../../monitored-metric.js';

export const trainSection = z.strictObject({
  backend: z.enum(['auto', 'tensorflow', 'onnxruntime', 'wasm', 'cpu']).default('auto'),
  /** Compute threads of the onnxruntime or wasm engine (0 = number of cores). */
  threads: z.number().int().nonnegative().default(0),
  experiment: z.string().min(1).default('main'),
  epochs: z.number().int().min(1).default(30),
  batch_size: z.number().int().min(1).default(32),
  /** Split each batch into micro-batches of this size and accumulate gradients (0 = no split). */
  micro_batch: z.number().int().nonnegative().default(0),
  /** Cap on optimizer steps per epoch (0 = the whole train split): short budgets for grids and smoke runs. */
  max_steps_per_epoch: z.number().int().nonnegative().default(0),
  optimizer: z.enum(['adam', 'adamw', 'sgd']).default('adam'),
  lr: z.number().positive().default(1e-4),
  weight_decay: z.number().min(0).default(1e-4),
  momentum: z.number().min(0).lt(1).default(0.9),
  nesterov: z.boolean().default(false),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  schedule: z
    .strictObject({
      name: z.enum(['constant', 'step', 'cosine', 'warmup_cosine', 'one_cycle', 'cosine_restarts']).default('constant'),
      warmup_epochs: z.number().min(0).default(0),
      step_size: z.number().int().min(1).default(10),
      gamma: z.number().gt(0).max(1).default(0.1),
      min_lr: z.number().min(0).default(0),
      restart_period: z.number().int().min(1).default(10),
      restart_mult: z.number().min(1).default(1),
      max_lr: z.number().positive().nullable().default(null),
    })
    .prefault({}),
  label_smoothing: z.number().min(0).lt(1).default(0),
  /** Exponential moving average of the weights (timm's ModelEmaV3), validated beside the raw weights every epoch. */
  ema: z
    .strictObject({
      enabled: z.boolean().default(false),
      decay: z.number().gt(0).lt(1).default(0.9998),
      /** Ramp the decay up as min(decay, 1 − (1 + step)^(−2/3)), so the first steps are not averaged with the initial weights. */
      warmup: z.boolean().default(true),
    })
    .prefault({}),
  /** Clip the global gradient norm (0 = off). */
  grad_clip: z.number().min(0).default(0),
  /** Metric that picks best.ckpt and drives early stopping. */
  monitor: z.enum(MONITORED_METRICS).default('val/accuracy'),
  early_stopping: z
    .strictObject({
      enabled: z.boolean().default(false),
      patience: z.number().int().min(1).default(5),
      min_delta: z.number().min(0).default(0),
    })
    .prefault({}),
});
