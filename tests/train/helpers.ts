import { Rng } from '../../core/rng.js';
import { validateConfig, type Config } from '../../core/config/index.js';
import { arrayDataProvider, type ArraySplit } from '../../train/data/array-provider.js';
import type { DataProvider } from '../../train/data/provider.js';

/** Tiny separable images: class k brightens quadrant k (plus noise). 8×8×3, 4 classes. */
export function quadrantSplit(n: number, seed: number, size = 8, classes = 4): ArraySplit {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * size * size * 3);
  const labels = new Int32Array(n);
  const half = size / 2;
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[i] = k;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const q = (y >= half ? 2 : 0) + (x >= half ? 1 : 0);
        for (let c = 0; c < 3; c++) {
          const base = q === k ? 200 : 60;
          images[((i * size + y) * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base + 30 * rng.normal())));
        }
      }
    }
  }
  return { images, labels };
}

export function tinyData(trainN = 32, valN = 16, seed = 1): DataProvider {
  return arrayDataProvider({
    train: quadrantSplit(trainN, seed),
    val: quadrantSplit(valN, seed + 100),
    inputShape: [8, 8, 3],
    numClasses: 4,
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
    seed,
  });
}

/** A tiny-model config; `over` is merged per section. */
export function tinyConfig(over: { train?: Record<string, unknown>; model?: Record<string, unknown>; paths?: Record<string, unknown>; seed?: number } = {}): {
  config: Config;
  hash: string;
} {
  return validateConfig({
    seed: over.seed ?? 3,
    model: { blocks: [1, 1], widths: [4, 8], dropout: 0.1, ...over.model },
    train: { epochs: 2, batch_size: 8, lr: 1e-2, optimizer: 'adam', backend: 'cpu', ...over.train },
    paths: over.paths,
  });
}
