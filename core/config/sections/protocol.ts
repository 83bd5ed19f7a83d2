import { z } from 'zod';

/** `tinynet sanity` (seed M2, M3). */
export const sanitySection = z.strictObject({
  /** Allowed |initial loss − ln(num_classes)| relative to ln(num_classes). */
  initial_loss_tolerance: z.number().positive().default(0.15),
  overfit_size: z.number().int().min(1).default(64),
  overfit_epochs: z.number().int().min(1).default(30),
  overfit_lr: z.number().positive().default(1e-3),
  /** The overfit check passes when the final train loss is below this. */
  overfit_threshold: z.number().positive().default(0.1),
});

/** `tinynet lr-find` (seed M4). */
export const lrFinderSection = z.strictObject({
  min_lr: z.number().positive().default(1e-7),
  max_lr: z.number().positive().default(1),
  steps: z.number().int().min(5).default(100),
  /** Exponential smoothing of the loss curve (0 = none). */
  smoothing: z.number().min(0).lt(1).default(0.98),
  /** Stop when the smoothed loss exceeds this multiple of the best. */
  diverge_factor: z.number().gt(1).default(4),
  mini_grid: z
    .strictObject({
      lrs: z.array(z.number().positive()).default([1e-4, 3e-4, 1e-3]),
      weight_decays: z.array(z.number().min(0)).default([0, 1e-4]),
      steps: z.number().int().min(1).default(20),
    }).prefault({}),
});

/** `tinynet grid` (seed M5): every combination of `params` (dotted config keys → values). */
export const gridSection = z.strictObject({
  params: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
  epochs: z.number().int().min(1).default(3),
  max_steps_per_epoch: z.number().int().nonnegative().default(0),
  metric: z.enum(['val/accuracy', 'val/loss', 'val/f1', 'val/top5']).default('val/accuracy'),
});
