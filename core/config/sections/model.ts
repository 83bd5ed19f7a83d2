import { z } from 'zod';

export const ACTIVATIONS = ['relu', 'gelu', 'selu', 'leaky_relu', 'elu'] as const;

export const modelSection = z
  .strictObject({
    name: z.enum(['resnet']).default('resnet'),
    /** Residual blocks per stage. */
    blocks: z.array(z.number().int().min(1).max(16)).min(1).max(6).default([3, 3, 3]),
    /** Channels per stage; the stem uses the first. */
    widths: z.array(z.number().int().min(1).max(2048)).min(1).max(6).default([64, 128, 256]),
    /** Dropout2d (whole-channel) probability inside each block. */
    dropout: z.number().min(0).lt(1).default(0.1),
    activation: z.enum(ACTIVATIONS).default('relu'),
    batchnorm: z.boolean().default(true),
  })
  .refine((m) => m.blocks.length === m.widths.length, {
    message: 'model.blocks and model.widths must have the same length (one entry per stage)',
    path: ['widths'],
  });
