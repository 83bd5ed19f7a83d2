/**
 * torchvision's RandAugment and TrivialAugmentWide: the same 14 ops, magnitude tables and draws
 * (op uniformly, then for TrivialAugment a magnitude bin uniformly, then a sign for signed ops),
 * taken from the seeded Rng so a batch's policy is the same on every run and on resume.
 */
import type { AugmentConfig } from '../../core/config/index.js';
import type { Rng } from '../../core/rng.js';
import { TinynetError } from '../../core/errors.js';
import { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, autocontrast, equalize, posterize, solarize } from './color-ops.js';
import { rotate, shearX, shearY, translate } from './geometry.js';

export const POLICY_OPS = [
  'Identity',
  'ShearX',
  'ShearY',
  'TranslateX',
  'TranslateY',
  'Rotate',
  'Brightness',
  'Color',
  'Contrast',
  'Sharpness',
  'Posterize',
  'Solarize',
  'AutoContrast',
  'Equalize',
] as const;
export type PolicyOpName = (typeof POLICY_OPS)[number];

export interface PolicyOp {
  op: PolicyOpName;
  magnitude: number;
}

type PolicyConfig = AugmentConfig['policy'];
type Space = Record<PolicyOpName, { magnitudes: number[] | null; signed: boolean }>;

const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
/** 8 − round(i / ((bins − 1) / levels)): posterize bits from 8 down to 8 − levels. */
const posterizeBits = (bins: number, levels: number) => Array.from({ length: bins }, (_, i) => 8 - Math.round(i / ((bins - 1) / levels)));

/** The op space of `name` for `bins` magnitude bins on an h×w image (torchvision's _augmentation_space). */
export function augmentationSpace(name: 'randaugment' | 'trivialaugment', bins: number, h: number, w: number): Space {
  const wide = name === 'trivialaugment';
  const signed = (hi: number) => ({ magnitudes: linspace(0, hi, bins), signed: true });
  const none = { magnitudes: null, signed: false };
  return {
    Identity: none,
    ShearX: signed(wide ? 0.99 : 0.3),
    ShearY: signed(wide ? 0.99 : 0.3),
    TranslateX: signed(wide ? 32 : (150 / 331) * w),
    TranslateY: signed(wide ? 32 : (150 / 331) * h),
    Rotate: signed(wide ? 135 : 30),
    Brightness: signed(wide ? 0.99 : 0.9),
    Color: signed(wide ? 0.99 : 0.9),
    Contrast: signed(wide ? 0.99 : 0.9),
    Sharpness: signed(wide ? 0.99 : 0.9),
    Posterize: { magnitudes: posterizeBits(bins, wide ? 6 : 4), signed: false },
    Solarize: { magnitudes: linspace(255, 0, bins), signed: false },
    AutoContrast: none,
    Equalize: none,
  };
}

/** The ops one image gets: RandAugment's num_ops at the configured bin, or TrivialAugment's one at a random bin. */
export function drawPolicy(cfg: PolicyConfig, h: number, w: number, rng: Rng): PolicyOp[] {
  if (cfg.name === 'none') return [];
  if (!(cfg.magnitude >= 0 && cfg.magnitude < cfg.num_magnitude_bins)) {
    throw new TinynetError(
      'config.invalid',
      `augment.policy.magnitude ${cfg.magnitude} is outside [0, ${cfg.num_magnitude_bins - 1}]`,
      'set augment.policy.magnitude below augment.policy.num_magnitude_bins',
    );
  }
  const space = augmentationSpace(cfg.name, cfg.num_magnitude_bins, h, w);
  const count = cfg.name === 'randaugment' ? cfg.num_ops : 1;
  const ops: PolicyOp[] = [];
  for (let k = 0; k < count; k++) {
    const op = POLICY_OPS[rng.int(POLICY_OPS.length)];
    const { magnitudes, signed } = space[op];
    let magnitude = magnitudes ? magnitudes[cfg.name === 'randaugment' ? cfg.magnitude : rng.int(magnitudes.length)] : 0;
    if (signed && rng.int(2) === 1) magnitude = -magnitude;
    ops.push({ op, magnitude });
  }
  return ops;
}

/** One op on a uint8 HWC RGB image, as torchvision's _apply_op; returns a new image. */
export function applyPolicyOp(img: Uint8Array, h: number, w: number, { op, magnitude: m }: PolicyOp): Uint8Array {
  switch (op) {
    case 'Identity':
      return img.slice();
    case 'ShearX':
      return shearX(img, h, w, m);
    case 'ShearY':
      return shearY(img, h, w, m);
    case 'TranslateX':
      return translate(img, h, w, m, 0);
    case 'TranslateY':
      return translate(img, h, w, 0, m);
    case 'Rotate':
      return rotate(img, h, w, m);
    case 'Brightness':
      return adjustBrightness(img, 1 + m);
    case 'Color':
      return adjustSaturation(img, 1 + m);
    case 'Contrast':
      return adjustContrast(img, 1 + m);
    case 'Sharpness':
      return adjustSharpness(img, h, w, 1 + m);
    case 'Posterize':
      return posterize(img, Math.trunc(m));
    case 'Solarize':
      return solarize(img, m);
    case 'AutoContrast':
      return autocontrast(img);
    case 'Equalize':
      return equalize(img);
  }
}

export function applyPolicy(img: Uint8Array, h: number, w: number, ops: PolicyOp[]): Uint8Array {
  let out = img;
  for (const op of ops) out = applyPolicyOp(out, h, w, op);
  return out === img ? img.slice() : out;
}
