/**
 * torchvision's colour ops on uint8 HWC RGB images (torchvision.transforms.functional on uint8
 * tensors): arithmetic in float32 as torch does it (Math.fround after each operation, so values that
 * land on an integer land there here too), every result clamped to [0, 255] and truncated back to
 * uint8 as `tensor.to(torch.uint8)` does. Each returns a new image.
 */
import { roundHalfEven } from './round.js';

const f = Math.fround;

/** torchvision's rgb_to_grayscale on uint8: 0.2989 R + 0.587 G + 0.114 B, truncated. */
export function grayscale(img: Uint8Array): Uint8Array {
  const out = new Uint8Array(img.length / 3);
  for (let p = 0, i = 0; i < img.length; i += 3, p++) out[p] = Math.trunc(f(f(f(f(0.2989) * img[i]) + f(f(0.587) * img[i + 1])) + f(f(0.114) * img[i + 2])));
  return out;
}

const toUint8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v));

/** ratio·img + (1 − ratio)·other, other given per value index. */
function blend(img: Uint8Array, ratio: number, other: (i: number) => number): Uint8Array {
  const out = new Uint8Array(img.length);
  const r = f(ratio),
    q = f(1 - ratio);
  for (let i = 0; i < img.length; i++) out[i] = toUint8(f(f(r * img[i]) + f(q * other(i))));
  return out;
}

export const adjustBrightness = (img: Uint8Array, factor: number) => blend(img, factor, () => 0);

export function adjustSaturation(img: Uint8Array, factor: number): Uint8Array {
  const gray = grayscale(img);
  return blend(img, factor, (i) => gray[(i / 3) | 0]);
}

/** Blend with the mean of the (truncated) grayscale image. */
export function adjustContrast(img: Uint8Array, factor: number): Uint8Array {
  const gray = grayscale(img);
  let sum = 0;
  for (const g of gray) sum += g;
  const mean = f(sum / gray.length);
  return blend(img, factor, () => mean);
}

/** Blend with the image smoothed by [[1,1,1],[1,5,1],[1,1,1]]/13 (rounded), borders kept. */
export function adjustSharpness(img: Uint8Array, h: number, w: number, factor: number): Uint8Array {
  if (h <= 2 || w <= 2) return img.slice();
  const blurred = img.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 4 * img[(y * w + x) * 3 + c];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += img[((y + dy) * w + x + dx) * 3 + c];
        blurred[(y * w + x) * 3 + c] = roundHalfEven(s / 13);
      }
    }
  }
  return blend(img, factor, (i) => blurred[i]);
}

/** Keep the top `bits` bits of every value. */
export function posterize(img: Uint8Array, bits: number): Uint8Array {
  const mask = (0xff << (8 - bits)) & 0xff;
  return img.map((v) => v & mask);
}

/** Invert every value at or above the threshold. */
export const solarize = (img: Uint8Array, threshold: number) => img.map((v) => (v >= threshold ? 255 - v : v));

/** Stretch each channel to [0, 255]; a constant channel is left as it is. */
export function autocontrast(img: Uint8Array): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let c = 0; c < 3; c++) {
    let lo = 255,
      hi = 0;
    for (let i = c; i < img.length; i += 3) {
      if (img[i] < lo) lo = img[i];
      if (img[i] > hi) hi = img[i];
    }
    const [min, scale] = hi > lo ? [lo, f(255 / (hi - lo))] : [0, 1];
    for (let i = c; i < img.length; i += 3) out[i] = toUint8(f((img[i] - min) * scale));
  }
  return out;
}

/** Histogram equalization per channel, with torchvision's (PIL's) lookup table. */
export function equalize(img: Uint8Array): Uint8Array {
  const out = img.slice();
  for (let c = 0; c < 3; c++) {
    const hist = new Float64Array(256);
    for (let i = c; i < img.length; i += 3) hist[img[i]]++;
    // The last non-empty bin does not count towards the step.
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    let total = 0;
    for (let v = 0; v < last; v++) total += hist[v];
    const step = Math.floor(total / 255);
    if (step === 0) continue;
    const lut = new Uint8Array(256);
    let cum = 0;
    for (let v = 0; v < 255; v++) {
      cum += hist[v];
      lut[v + 1] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step));
    }
    for (let i = c; i < img.length; i += 3) out[i] = lut[img[i]];
  }
  return out;
}
