import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { TinynetError } from '../../core/errors.js';
import { loadMeta, META_FILE, type SplitName } from '../../dataset/cache.js';
import { folderSamples, type SampleSource } from './demo.js';

/**
 * A few images of one split of a prepared dataset (default: val), as PNGs for the web demo's
 * sample buttons. Reads only the chosen images' bytes (a Tiny ImageNet val split is ~120 MB),
 * spread evenly over the split so several classes show up; encoded once, then kept in memory.
 */
export function datasetSamples(cacheDir: string, opts: { split?: SplitName; count?: number } = {}): SampleSource {
  const split = opts.split ?? 'val';
  const count = opts.count ?? 8;
  const meta = loadMeta(cacheDir);
  const info = meta.splits[split];
  if (!info || info.size === 0) {
    throw new TinynetError(
      'demo.no_samples',
      `the prepared dataset at ${cacheDir} has no ${split} images`,
      'prepare it with a val split, or pass a folder of images',
    );
  }
  const [height, width, channels] = meta.input_shape;
  const imageBytes = height * width * channels;
  const imgPath = path.join(cacheDir, info.images);
  const lblPath = path.join(cacheDir, info.labels);
  if (!existsSync(imgPath) || statSync(imgPath).size !== info.size * imageBytes) {
    throw new TinynetError(
      'dataset.cache_corrupt',
      `${imgPath} is missing or not ${info.size} images of ${height}×${width}×${channels}`,
      'run `tinynet data prepare` again',
    );
  }
  const n = Math.min(count, info.size);
  const indices = Array.from({ length: n }, (_, k) => Math.floor((k * info.size) / n));

  let built: Promise<Map<string, { label: string; png: Uint8Array }>> | null = null;
  const build = async () => {
    const out = new Map<string, { label: string; png: Uint8Array }>();
    const images = await open(imgPath, 'r');
    const labels = await open(lblPath, 'r');
    try {
      for (const i of indices) {
        const pixels = Buffer.alloc(imageBytes);
        await images.read(pixels, 0, imageBytes, i * imageBytes);
        const lbl = Buffer.alloc(4);
        await labels.read(lbl, 0, 4, i * 4);
        const classId = lbl.readInt32LE(0);
        const png = await sharp(pixels, { raw: { width, height, channels: channels as 3 } })
          .png()
          .toBuffer();
        out.set(`${split}-${i}.png`, { label: meta.classes[classId]?.name ?? `class ${classId}`, png: new Uint8Array(png) });
      }
    } finally {
      await images.close();
      await labels.close();
    }
    return out;
  };
  const samples = () => (built ??= build());
  return {
    list: async () => [...(await samples()).entries()].map(([name, s]) => ({ name, label: s.label })),
    read: async (name) => {
      const s = (await samples()).get(name);
      return s ? { bytes: s.png, type: 'image/png' } : null;
    },
  };
}

/**
 * The samples `tinynet serve` offers: `--samples <dir>` (a prepared dataset's cache dir, or any
 * folder of images), else the val split of the config's prepared dataset when it exists, else none.
 */
export function chooseDemoSamples(explicit: string | undefined, configCacheDir: string | undefined): SampleSource | undefined {
  if (explicit) {
    if (!existsSync(explicit) || !statSync(explicit).isDirectory()) {
      throw new TinynetError('demo.bad_samples', `--samples ${explicit} is not a folder`, 'pass a prepared dataset dir or a folder of images');
    }
    return existsSync(path.join(explicit, META_FILE)) ? datasetSamples(explicit) : folderSamples(explicit);
  }
  if (configCacheDir && existsSync(path.join(configCacheDir, META_FILE))) return datasetSamples(configCacheDir);
  return undefined;
}
