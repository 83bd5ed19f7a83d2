/**
 * Turning decoded RGB pixels into one sample of the model's input, and samples into a batch.
 * A uint8 model takes the pixels as they are (normalisation lives in its graph); a float model
 * gets (pixel · pixel_scale − mean) / std from its metadata, or pixel / 255 when it has none,
 * in its own layout.
 */
import type { ModelInfo } from './model-info.js';

export type Sample = Uint8Array | Float32Array;

export function sampleLength(info: ModelInfo): number {
  return info.height * info.width * info.channels;
}

export function pixelsToSample(pixels: Uint8Array, info: ModelInfo): Sample {
  if (info.inputDtype === 'uint8') return pixels;
  const { height: h, width: w } = info;
  const { mean, std, pixelScale } = info.normalization ?? { mean: [0, 0, 0], std: [1, 1, 1], pixelScale: 1 / 255 };
  const out = new Float32Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (pixels[p * 3 + c] * pixelScale - mean[c]) / std[c];
      out[info.layout === 'nhwc' ? p * 3 + c : c * h * w + p] = v;
    }
  }
  return out;
}

export function inputDims(info: ModelInfo, n: number): number[] {
  return info.layout === 'nhwc' ? [n, info.height, info.width, info.channels] : [n, info.channels, info.height, info.width];
}

/** Concatenate samples into one fresh buffer (it is transferred to a worker, so never shared). */
export function stackSamples(samples: Sample[], info: ModelInfo): Uint8Array | Float32Array {
  const len = sampleLength(info);
  const out = info.inputDtype === 'uint8' ? new Uint8Array(len * samples.length) : new Float32Array(len * samples.length);
  samples.forEach((s, i) => {
    out.set(s, i * len);
  });
  return out;
}

export function softmaxRows(logits: Float32Array, k: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let base = 0; base < logits.length; base += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[base + c] = Math.exp(logits[base + c] - max);
    for (let c = 0; c < k; c++) out[base + c] /= sum;
  }
  return out;
}
