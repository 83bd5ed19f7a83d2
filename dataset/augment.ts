import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';

/**
 * Per-image augmentation parameters, drawn in JS from a seeded Rng so a batch is augmented the
 * same way on every backend; the pixel work itself is batched tensor ops.
 */
export interface AugmentParams {
  /** [y1, x1, y2, x2] per image in normalized coordinates; x1 > x2 means horizontally flipped. */
  boxes: Float32Array;
  flipped: boolean[];
  brightness: Float32Array;
  contrast: Float32Array;
  saturation: Float32Array;
  /** Hue shift in turns (−0.5..0.5). */
  hue: Float32Array;
  /** Per image, the order of the four colour ops (JITTER_OPS indices), 4 entries each. */
  order: Uint8Array;
}

/** The colour-jitter ops, in the order used when `color_jitter.random_order` is off. */
export const JITTER_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;

const factor = (rng: Rng, amount: number) => (amount > 0 ? rng.uniform(Math.max(0, 1 - amount), 1 + amount) : 1);

/** torchvision's RandomResizedCrop box choice: 10 tries at the asked area/ratio, else the whole image. */
function cropBox(rng: Rng, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
  const [lr0, lr1] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(scale[0], scale[1]);
    const ar = Math.exp(lr0 === lr1 ? lr0 : rng.uniform(lr0, lr1));
    const w = Math.sqrt(area * ar);
    const h = Math.sqrt(area / ar);
    if (w <= 1 && h <= 1) {
      const y0 = rng.uniform(0, 1 - h);
      const x0 = rng.uniform(0, 1 - w);
      return [y0, x0, y0 + h, x0 + w];
    }
  }
  return [0, 0, 1, 1];
}

export function drawAugmentParams(batch: number, cfg: AugmentConfig, rng: Rng): AugmentParams {
  const p: AugmentParams = {
    boxes: new Float32Array(batch * 4),
    flipped: new Array(batch).fill(false),
    brightness: new Float32Array(batch),
    contrast: new Float32Array(batch),
    saturation: new Float32Array(batch),
    hue: new Float32Array(batch),
    order: new Uint8Array(batch * 4),
  };
  const rrc = cfg.random_resized_crop;
  const cj = cfg.color_jitter;
  for (let i = 0; i < batch; i++) {
    let [y1, x1, y2, x2] = rrc.enabled ? cropBox(rng, rrc.scale, rrc.ratio) : [0, 0, 1, 1];
    const flip = cfg.hflip > 0 && rng.next() < cfg.hflip;
    if (flip) [x1, x2] = [x2, x1];
    p.boxes.set([y1, x1, y2, x2], i * 4);
    p.flipped[i] = flip;
    p.brightness[i] = factor(rng, cj.brightness);
    p.contrast[i] = factor(rng, cj.contrast);
    p.saturation[i] = factor(rng, cj.saturation);
    p.hue[i] = cj.hue > 0 ? rng.uniform(-cj.hue, cj.hue) : 0;
    const order = p.order.subarray(i * 4, i * 4 + 4);
    order.set([0, 1, 2, 3]);
    if (cj.random_order) {
      for (let k = 3; k > 0; k--) {
        const j = rng.int(k + 1);
        [order[k], order[j]] = [order[j], order[k]];
      }
    }
  }
  return p;
}

const LUMA = [0.299, 0.587, 0.114];

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d].map((v) => v / det);
}

/** RGB→YIQ, rotate the chroma plane by `turns`, YIQ→RGB: a linear hue shift, one 3×3 matrix per image. */
function hueMatrix(turns: number): number[] {
  const t = 2 * Math.PI * turns;
  const c = Math.cos(t),
    s = Math.sin(t);
  const toYiq = [0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312];
  const toRgb = invert3(toYiq); // exact inverse, so a zero shift is the identity
  const rot = [1, 0, 0, 0, c, -s, 0, s, c];
  const mul = (a: number[], b: number[]) => {
    const o = new Array(9).fill(0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
    return o;
  };
  const m = mul(toRgb, mul(rot, toYiq));
  // Transposed, because pixels are row vectors: out = px · Mᵀ.
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/**
 * Augment a float32 batch [B,H,W,3] of [0,1] pixels: random resized crop and flip in one
 * cropAndResize (flip = swapped x in the box), then brightness, contrast, saturation and hue in each
 * image's own order (params.order). Batched: at each of the 4 positions every op runs on the whole
 * batch, with the identity factor (1, or a zero hue shift) for the images whose op there is another.
 * Returns a new tensor in [0,1]; the input is not disposed.
 */
export function augmentBatch(x: tf.Tensor4D, params: AugmentParams, cfg: AugmentConfig): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const cj = cfg.color_jitter;
  return tf.tidy(() => {
    const boxes = tf.tensor2d(params.boxes, [b, 4]);
    const ind = tf.tensor1d(
      Int32Array.from({ length: b }, (_, i) => i),
      'int32',
    );
    let y = tf.image.cropAndResize(x, boxes, ind, [h, w], 'bilinear') as tf.Tensor4D;
    const luma = tf.tensor4d(LUMA, [1, 1, 1, 3]);
    const enabled = [cj.brightness > 0, cj.contrast > 0, cj.saturation > 0, cj.hue > 0];
    for (let position = 0; position < 4; position++) {
      for (let op = 0; op < 4; op++) {
        if (!enabled[op]) continue;
        const here = Array.from({ length: b }, (_, i) => params.order[i * 4 + position] === op);
        if (!here.some(Boolean)) continue;
        const factors = (v: Float32Array, identity: number) =>
          tf.tensor4d(
            v.map((f, i) => (here[i] ? f : identity)),
            [b, 1, 1, 1],
          );
        if (op === 0) y = y.mul(factors(params.brightness, 1)).clipByValue(0, 1) as tf.Tensor4D;
        else if (op === 1) {
          const mean = y.mul(luma).sum(-1, true).mean([1, 2, 3], true);
          y = y.sub(mean).mul(factors(params.contrast, 1)).add(mean).clipByValue(0, 1) as tf.Tensor4D;
        } else if (op === 2) {
          const gray = y.mul(luma).sum(-1, true);
          y = y.sub(gray).mul(factors(params.saturation, 1)).add(gray).clipByValue(0, 1) as tf.Tensor4D;
        } else {
          const mats = new Float32Array(b * 9);
          for (let i = 0; i < b; i++) mats.set(hueMatrix(here[i] ? params.hue[i] : 0), i * 9);
          y = tf
            .matMul(y.reshape([b, h * w, 3]), tf.tensor3d(mats, [b, 3, 3]))
            .reshape([b, h, w, 3])
            .clipByValue(0, 1) as tf.Tensor4D;
        }
      }
    }
    return y;
  });
}

/** (x − mean) / std per channel, on a [0,1] float batch. */
export function normalizeTensor(x: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => x.sub(tf.tensor1d(mean as number[])).div(tf.tensor1d(std as number[])) as tf.Tensor4D);
}

/** Pure-JS normalization of a uint8 NHWC batch: (v/255 − mean[c]) / std[c], as float32. */
export function normalizeBatch(u8: Uint8Array, mean: readonly number[], std: readonly number[]): Float32Array {
  const out = new Float32Array(u8.length);
  const a = [0, 1, 2].map((c) => 1 / (255 * std[c]));
  const b = [0, 1, 2].map((c) => -mean[c] / std[c]);
  for (let i = 0; i < u8.length; i += 3) {
    out[i] = u8[i] * a[0] + b[0];
    out[i + 1] = u8[i + 1] * a[1] + b[1];
    out[i + 2] = u8[i + 2] * a[2] + b[2];
  }
  return out;
}
