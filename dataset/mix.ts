/**
 * timm's Mixup in batch mode: one λ ~ Beta(α, α) per batch (with probability `prob`; CutMix chosen
 * with `switch_prob` when both alphas are set), each image mixed with the batch reversed, and the
 * targets λ·onehot(y) + (1 − λ)·onehot(reversed y) with timm's smoothing (off = s/K, on = 1 − s + off).
 * CutMix pastes one box and corrects λ to the share of the image left unpasted.
 */
import type { AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';
import { TinynetError } from '../core/errors.js';

type MixConfig = AugmentConfig['mix'];

export interface MixParams {
  /** Weight of each image's own label (1 = not mixed). */
  lam: number;
  mode: 'none' | 'mixup' | 'cutmix';
  /** CutMix: the pasted rows [y0, y1) and columns [x0, x1). */
  box: [number, number, number, number] | null;
}

/** timm's rand_bbox: a box of side √(1 − λ) of the image's, centred uniformly, clipped to the image. */
export function cutmixBox(h: number, w: number, lam: number, rng: Rng): [number, number, number, number] {
  const ratio = Math.sqrt(1 - lam);
  const cutH = Math.trunc(h * ratio),
    cutW = Math.trunc(w * ratio);
  const cy = rng.int(h),
    cx = rng.int(w);
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return [clip(cy - (cutH >> 1), h), clip(cy + (cutH >> 1), h), clip(cx - (cutW >> 1), w), clip(cx + (cutW >> 1), w)];
}

export function drawMixParams(h: number, w: number, cfg: MixConfig, rng: Rng): MixParams {
  const { mixup_alpha: ma, cutmix_alpha: ca } = cfg;
  if ((ma !== null && !(ma > 0)) || (ca !== null && !(ca > 0))) {
    throw new TinynetError(
      'config.invalid',
      `augment.mix.${ma !== null && !(ma > 0) ? 'mixup_alpha' : 'cutmix_alpha'} must be > 0`,
      'leave the key out, or null, to turn that mix off',
    );
  }
  if (!(rng.next() < cfg.prob) || (ma === null && ca === null)) return { lam: 1, mode: 'none', box: null };
  const cutmix = ma !== null && ca !== null ? rng.next() < cfg.switch_prob : ca !== null;
  const alpha = (cutmix ? ca : ma) as number;
  const lam = rng.beta(alpha, alpha);
  if (!cutmix) return { lam, mode: 'mixup', box: null };
  const box = cutmixBox(h, w, lam, rng);
  return { lam: 1 - ((box[1] - box[0]) * (box[3] - box[2])) / (h * w), mode: 'cutmix', box };
}

/** Mix an NHWC batch in place with itself reversed (image i with image n − 1 − i). */
export function mixImages(x: Float32Array, n: number, h: number, w: number, params: MixParams): void {
  if (params.mode === 'none') return;
  const px = h * w * 3;
  for (let i = 0; i < n >> 1; i++) {
    const a = i * px,
      b = (n - 1 - i) * px;
    if (params.mode === 'mixup') {
      const lam = params.lam;
      for (let p = 0; p < px; p++) {
        const va = x[a + p],
          vb = x[b + p];
        x[a + p] = lam * va + (1 - lam) * vb;
        x[b + p] = lam * vb + (1 - lam) * va;
      }
    } else {
      const [y0, y1, x0, x1] = params.box!;
      for (let y = y0; y < y1; y++) {
        for (let p = (y * w + x0) * 3, end = (y * w + x1) * 3; p < end; p++) {
          const va = x[a + p];
          x[a + p] = x[b + p];
          x[b + p] = va;
        }
      }
    }
  }
}

/** The mixed, smoothed targets [n, numClasses]. */
export function mixTargets(labels: Int32Array, numClasses: number, lam: number, smoothing: number): Float32Array {
  const n = labels.length;
  const off = smoothing / numClasses;
  const on = 1 - smoothing + off;
  const t = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const own = labels[i],
      other = labels[n - 1 - i];
    if (!(own >= 0 && own < numClasses))
      throw new TinynetError('train.bad_label', `label ${own} is outside [0, ${numClasses})`, 'check the dataset cache (tinynet data prepare)');
    for (let k = 0; k < numClasses; k++) {
      const y1 = k === own ? on : off;
      const y2 = k === other ? on : off;
      t[i * numClasses + k] = y1 * lam + y2 * (1 - lam);
    }
  }
  return t;
}
