import { z } from 'zod';

const range = z.tuple([z.number(), z.number()]).refine(([a, b]) => a <= b, 'must be [low, high] with low ≤ high');

export const augmentSection = z.strictObject({
  enabled: z.boolean().default(true),
  hflip: z.number().min(0).max(1).default(0.5),
  random_resized_crop: z
    .strictObject({
      enabled: z.boolean().default(true),
      scale: range.default([0.8, 1.0]),
      ratio: range.default([1.0, 1.0]),
    })
    .prefault({}),
  color_jitter: z
    .strictObject({
      brightness: z.number().min(0).default(0.2),
      contrast: z.number().min(0).default(0.2),
      saturation: z.number().min(0).default(0.2),
      hue: z.number().min(0).max(0.5).default(0.2),
      // torchvision's ColorJitter applies the four in a new random order for every image.
      random_order: z.boolean().default(true),
    })
    .prefault({}),
});
