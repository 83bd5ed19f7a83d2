/** Shared helpers for serve tests: a model file on disk, test images, a reference run. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import ort from 'onnxruntime-node';
import { buildTinyClassifier, type TinyClassifierOptions } from './tiny-onnx-classifier.js';

export function writeTinyModel(opts: TinyClassifierOptions = {}, name = 'model.onnx'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tinynet-serve-'));
  const file = path.join(dir, name);
  writeFileSync(file, buildTinyClassifier(opts));
  return file;
}

/** A deterministic colourful test picture (gradients + a seed-dependent square). */
export function testPixels(width: number, height: number, seed: number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inSquare = Math.abs(x - ((seed * 13) % width)) < width / 4 && Math.abs(y - ((seed * 7) % height)) < height / 4;
      buf[i] = (x * 255) / width + seed * 37;
      buf[i + 1] = inSquare ? (seed * 91) % 256 : (y * 255) / height;
      buf[i + 2] = (seed * 53 + x + y) % 256;
    }
  }
  return buf;
}

export async function testImage(format: 'png' | 'jpeg' | 'webp' | 'gif', seed: number, width = 64, height = 64): Promise<Buffer> {
  const s = sharp(testPixels(width, height, seed), { raw: { width, height, channels: 3 } });
  if (format === 'png') return s.png().toBuffer();
  if (format === 'jpeg') return s.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return s.webp({ lossless: true }).toBuffer();
  return s.gif().toBuffer();
}

/** Probabilities from a plain onnxruntime session on the main thread: the reference answer. */
export async function referenceProbabilities(modelPath: string, samples: Uint8Array[], size = 64): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(modelPath);
  const data = new Uint8Array(samples.length * size * size * 3);
  samples.forEach((s, i) => {
    data.set(s, i * size * size * 3);
  });
  const out = await session.run({ image: new ort.Tensor('uint8', data, [samples.length, size, size, 3]) });
  const probs = out.probabilities.data as Float32Array;
  const k = probs.length / samples.length;
  await session.release();
  return samples.map((_, i) => probs.slice(i * k, (i + 1) * k));
}
