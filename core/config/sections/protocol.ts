import { z } from 'zod';

/** `tinynet sanity` (course report D11, M2, M3). */
export const sanitySection = z.strictObject({
  /** Allowed |initial loss − ln(num_classes)| relative to ln(num_classes). */
  initial_loss_tolerance: z.number().positive().default(0.15),
  /** Train images of the overfit subset (course report: 64). */
  overfit_size: z.number().int().min(1).default(64),
  overfit_epochs: z.number().int().min(1).default(30),
  overfit_lr: z.number().positive().default(1e-3),
  /** The overfit check passes when the final train loss is below this. */
  overfit_threshold: z.number().positive().default(0.1),
});

/** `tinynet lr-find` (course report M4). */
export const lrFinderSection = z.strictObject({
  min_lr: z.number().positive().default(1e-7),
  max_lr: z.number().positive().default(1),
  steps: z.number().int().min(5).default(100),
  /** Exponential smoothing of the loss curve (0 = none), bias-corrected. */
  smoothing: z.number().min(0).lt(1).default(0.98),
  /** Stop when the smoothed loss exceeds this multiple of the best. */
  diverge_factor: z.number().gt(1).default(4),
  /** The suggested LR is the steepest-descent LR divided by this (1 = the steepest point itself). */
  suggestion_divisor: z.number().positive().default(1),
  /** `tinynet lr-find --mini-grid`: LR × weight decay, a few steps each (the course report's 7 × 4 table). */
  mini_grid: z
    .strictObject({
      lrs: z.array(z.number().positive()).min(1).default([1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2]),
      weight_decays: z.array(z.number().min(0)).min(1).default([0, 1e-5, 1e-4, 1e-3]),
      steps: z.number().int().min(1).default(20),
    })
    .prefault({}),
});
