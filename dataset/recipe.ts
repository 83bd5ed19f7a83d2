/**
 * The whole train-time augmentation of one batch, in torchvision/timm's order: crop + flip and
 * colour jitter (tensor ops, augment.ts), the policy (RandAugment / TrivialAugment) on the uint8
 * result, normalization, random erasing on the normalized image, then batch mixing with its soft
 * targets. Every random choice comes from one seeded Rng in a fixed order; stages that are off draw
 * nothing, so a config without them sees the same stream as before they existed.
 */
import * as tf from '@tensorflow/tfjs';
import { mixEnabled, type AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';
import { augmentBatch, drawAugmentParams, normalizeTensor, type AugmentParams } from './augment.js';
import { applyPolicy, drawPolicy, type PolicyOp } from './policy/policy.js';
import { drawErase, eraseBox, type EraseBox } from './erasing.js';
import { drawMixParams, mixImages, mixTargets, type MixParams } from './mix.js';

export interface RecipeParams {
  augment: AugmentParams;
  /** Per image, the policy ops (empty when the policy is off). */
  policy: PolicyOp[][];
  /** Per image, the erased box (null: none). */
  erase: (EraseBox | null)[];
  /** The batch's mix (null when mixing is off). */
  mix: MixParams | null;
}

export interface AugmentedBatch {
  /** Normalized float32 [B,H,W,3]. */
  x: tf.Tensor4D;
  /** Soft targets [B, numClasses] when mixing is on. */
  targets: Float32Array | null;
  params: RecipeParams;
}

/** Whether anything after the tensor stage is on (then the batch takes the JS path below). */
export function hasPixelStages(aug: AugmentConfig): boolean {
  return aug.policy.name !== 'none' || aug.random_erasing.prob > 0 || mixEnabled(aug);
}

export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
  numClasses: number;
}

/** Augment a uint8 NHWC batch (`labels` its class ids) as training sees it. */
export function augmentUint8Batch(u8: Uint8Array, labels: Int32Array, h: number, w: number, aug: AugmentConfig, norm: Normalization, rng: Rng): AugmentedBatch {
  const b = labels.length;
  const params: RecipeParams = { augment: drawAugmentParams(b, aug, rng), policy: [], erase: [], mix: null };
  const raw = () =>
    tf.tensor4d(
      Float32Array.from(u8, (v) => v / 255),
      [b, h, w, 3],
    );
  if (!hasPixelStages(aug)) {
    const x = tf.tidy(() => normalizeTensor(augmentBatch(raw(), params.augment, aug), norm.mean, norm.std));
    return { x, targets: null, params };
  }
  const t = tf.tidy(() => augmentBatch(raw(), params.augment, aug));
  const f = t.dataSync() as Float32Array;
  t.dispose();
  const px = h * w * 3;
  const x = new Float32Array(b * px);
  const scale = [0, 1, 2].map((c) => 1 / (255 * norm.std[c]));
  const shift = [0, 1, 2].map((c) => -norm.mean[c] / norm.std[c]);
  for (let i = 0; i < b; i++) {
    if (aug.policy.name !== 'none') {
      // The policy works on uint8 images, as torchvision's does on PIL images or uint8 tensors.
      const u = Uint8Array.from(f.subarray(i * px, (i + 1) * px), (v) => Math.min(255, Math.max(0, Math.round(v * 255))));
      const ops = drawPolicy(aug.policy, h, w, rng);
      params.policy.push(ops);
      const img = applyPolicy(u, h, w, ops);
      for (let p = 0; p < px; p++) x[i * px + p] = img[p] * scale[p % 3] + shift[p % 3];
    } else {
      for (let p = 0; p < px; p++) x[i * px + p] = f[i * px + p] * 255 * scale[p % 3] + shift[p % 3];
    }
    if (aug.random_erasing.prob > 0) {
      const box = drawErase(h, w, aug.random_erasing, rng);
      params.erase.push(box);
      if (box) eraseBox(x, i * px, w, box, aug.random_erasing.value, rng);
    }
  }
  let targets: Float32Array | null = null;
  if (mixEnabled(aug)) {
    params.mix = drawMixParams(h, w, aug.mix, rng);
    mixImages(x, b, h, w, params.mix);
    targets = mixTargets(labels, norm.numClasses, params.mix.lam, aug.mix.label_smoothing);
  }
  return { x: tf.tensor4d(x, [b, h, w, 3]), targets, params };
}

/** The augmented batch back on the 0–255 scale, for showing (preview, TensorBoard samples). */
export async function augmentedPixels(
  u8: Uint8Array,
  labels: Int32Array,
  h: number,
  w: number,
  aug: AugmentConfig,
  norm: Normalization,
  rng: Rng,
): Promise<{ pixels: Uint8Array; params: RecipeParams }> {
  const out = augmentUint8Batch(u8, labels, h, w, aug, norm, rng);
  const x = (await out.x.data()) as Float32Array;
  out.x.dispose();
  const pixels = Uint8Array.from(x, (v, i) => Math.min(255, Math.max(0, Math.round((v * norm.std[i % 3] + norm.mean[i % 3]) * 255))));
  return { pixels, params: out.params };
}
