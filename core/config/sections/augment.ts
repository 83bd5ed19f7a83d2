import { z } from 'zod';

const range = z.tuple([z.number(), z.number()]).refine(([a, b]) => a <= b, 'must be [low, high] with low ≤ high');
const probability = z.number().min(0, 'a probability must be in [0, 1]').max(1, 'a probability must be in [0, 1]');
/** A Beta(α, α) concentration: absent or null turns that mix off; zero or negative is a mistake, not "off". */
const alpha = z.number().gt(0, 'α must be > 0 (leave the key out, or null, to turn this mix off)').nullable().default(null);

/** timm's `Mixup` (batch mode): one λ per batch, each image paired with the batch reversed. */
export const mixSection = z.strictObject({
  mixup_alpha: alpha,
  cutmix_alpha: alpha,
  /** Chance that a batch is mixed at all (its targets are smoothed either way). */
  prob: probability.default(1),
  /** With both alphas set, the chance a mixed batch uses CutMix rather than mixup. */
  switch_prob: probability.default(0.5),
  /** Smoothing of the mixed targets (timm's default); replaces train.label_smoothing while mixing. */
  label_smoothing: z.number().min(0).lt(1).default(0.1),
});

/** torchvision's RandAugment / TrivialAugmentWide, on uint8 images after crop and flip. */
export const policySection = z
  .strictObject({
    name: z.enum(['none', 'randaugment', 'trivialaugment']).default('none'),
    /** RandAugment: ops applied one after another. */
    num_ops: z.number().int().min(0).max(16).default(2),
    /** RandAugment: the bin every op's magnitude is taken from, in [0, num_magnitude_bins − 1]. */
    magnitude: z.number().int().min(0).default(9),
    num_magnitude_bins: z.number().int().min(2).max(1024).default(31),
  })
  .refine((p) => p.magnitude < p.num_magnitude_bins, {
    message: 'must be an integer in [0, augment.policy.num_magnitude_bins − 1]',
    path: ['magnitude'],
  });

/** torchvision's RandomErasing, on the normalized image (so value 0 is the dataset mean). */
export const erasingSection = z.strictObject({
  prob: probability.default(0),
  /** Erased area as a fraction of the image. */
  scale: range.refine(([a, b]) => a > 0 && b <= 1, 'must lie in (0, 1]').default([0.02, 0.33]),
  /** Aspect ratio (height / width) of the erased box. */
  ratio: range.refine(([a]) => a > 0, 'must be > 0').default([0.3, 3.3]),
  /** A constant in normalized units, or `random`: a standard normal draw per pixel and channel. */
  value: z.union([z.number(), z.literal('random')]).default(0),
});

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
  policy: policySection.prefault({}),
  random_erasing: erasingSection.prefault({}),
  mix: mixSection.prefault({}),
});
