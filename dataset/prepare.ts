import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Config } from '../core/config/index.js';
import { TinynetError, isTinynetError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createProgress } from '../core/progress.js';
import { CACHE_FORMAT, META_FILE, imagesFile, labelsFile, loadMeta, type DatasetMeta, type SplitName } from './cache.js';
import { createDecodePool } from './decode-pool.js';
import { openSource } from './open-source.js';
import { forEachConcurrent } from './pool.js';
import type { DatasetSource, SourceItem, SourceSplit } from './sources/source.js';
import { stratifiedSplit } from './split.js';
import { replaceDir, tempSibling } from '../core/atomic.js';

const log = createLogger('data/prepare');

/** What decides the cache content besides the source files themselves. */
function cacheKey(config: Config): Record<string, unknown> {
  const d = config.dataset;
  return {
    format: CACHE_FORMAT,
    source: d.source,
    path: d.path,
    files: d.files ?? null,
    classes: d.classes,
    image_size: d.image_size,
    resize: d.resize,
    test_ratio: d.test_ratio,
    split_seed: d.split_seed,
    synthetic: d.source === 'synthetic' ? d.synthetic : null,
  };
}

/** The cache dir of a config: `<paths.cache>/<source>-<name>-<size>px-<hash>`; known before anything is prepared. */
export function cacheDirFor(config: Config): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(cacheKey(config)))
    .digest('hex')
    .slice(0, 10);
  const name =
    path
      .basename(config.dataset.path)
      .replace(/\.zip$/, '')
      .replace(/[^A-Za-z0-9_.-]/g, '_') || 'dataset';
  return path.join(config.paths.cache, `${config.dataset.source}-${name}-${config.dataset.image_size}px-${hash}`);
}

export interface PrepareResult {
  dir: string;
  meta: DatasetMeta;
  reused: boolean;
}

export interface PrepareOptions {
  /** Rebuild even when the cache matches. */
  force?: boolean;
}

/**
 * Decode every image once into the cache: uint8 NHWC per split, int32 labels, meta.json.
 * train/test = stratified carve of the source train split; val = the source val split.
 * Written into a temp dir renamed into place, so a failure leaves no half-written cache.
 */
export async function prepareDataset(config: Config, opts: PrepareOptions = {}): Promise<PrepareResult> {
  const dir = cacheDirFor(config);
  const { source, classesFile } = await openSource(config);
  try {
    const fingerprint = createHash('sha256')
      .update(await source.fingerprint())
      .update(JSON.stringify(cacheKey(config)))
      .update(JSON.stringify(source.classes))
      .digest('hex');
    if (!opts.force && existsSync(path.join(dir, META_FILE))) {
      try {
        const meta = loadMeta(dir);
        if (meta.source.fingerprint === fingerprint) {
          log.info(`reusing ${dir} (source and config unchanged)`);
          return { dir, meta, reused: true };
        }
        log.info(`source or config changed since ${meta.created_at}: rebuilding ${dir}`);
      } catch (err) {
        if (!isTinynetError(err)) throw err;
        log.warn(`${err.message}: rebuilding`);
      }
    }
    const meta = await build(config, source, dir, fingerprint, classesFile);
    return { dir, meta, reused: false };
  } finally {
    await source.close();
  }
}

interface SplitAccumulator {
  images: Uint8Array;
  labels: Int32Array;
  grayscale: number;
  sizes: Record<string, number>;
}

async function build(config: Config, source: DatasetSource, dir: string, fingerprint: string, classesFile: string): Promise<DatasetMeta> {
  const ds = config.dataset;
  const size = ds.image_size;
  const pixels = size * size * 3;
  const numClasses = source.classes.length;
  const started = Date.now();
  // libvips' operation cache only costs time when every image is new (measured: ~1.5× on one-at-a-time decodes).
  sharp.cache(false);

  const trainLabels = await source.labels('train');
  const valLabels = await source.labels('val');
  const carve = stratifiedSplit(trainLabels, numClasses, ds.test_ratio, ds.split_seed);
  if (carve.train.length === 0 || carve.test.length === 0) {
    throw new TinynetError(
      'dataset.too_small',
      `the train split has ${trainLabels.length} images: too few to carve a test split with test_ratio ${ds.test_ratio}`,
    );
  }
  const alloc = (n: number): SplitAccumulator => ({ images: new Uint8Array(n * pixels), labels: new Int32Array(n), grayscale: 0, sizes: {} });
  const out: Record<SplitName, SplitAccumulator> = {
    train: alloc(carve.train.length),
    test: alloc(carve.test.length),
    val: alloc(valLabels.length),
  };
  // Where each source train image lands: split and row.
  const destSplit = new Uint8Array(trainLabels.length); // 0 train, 1 test
  const destRow = new Int32Array(trainLabels.length);
  carve.train.forEach((src, row) => {
    destSplit[src] = 0;
    destRow[src] = row;
    out.train.labels[row] = trainLabels[src];
  });
  carve.test.forEach((src, row) => {
    destSplit[src] = 1;
    destRow[src] = row;
    out.test.labels[row] = trainLabels[src];
  });
  out.val.labels.set(valLabels);

  // Mean/std accumulate over train rows only, in float64.
  const sum = [0, 0, 0];
  const sumSq = [0, 0, 0];
  const pool = createDecodePool(decodeThreads(ds.workers, trainLabels.length + valLabels.length), size, ds.resize);
  log.info(`decoding with ${pool.threads > 0 ? `${pool.threads} worker threads` : 'the main thread'}`);
  try {
    for (const split of ['train', 'val'] as SourceSplit[]) {
      const expected = split === 'train' ? trainLabels.length : valLabels.length;
      const progress = createProgress({ label: `decode ${split}`, total: expected, unit: 'img' });
      let seen = 0;
      await forEachConcurrent(chunks(source.items(split), BATCH), Math.max(2, pool.threads * 2), async (batch) => {
        const results = await pool.decodeBatch(batch.map((item) => item.bytes));
        results.forEach((decoded, k) => {
          const item = batch[k];
          if ('error' in decoded) {
            throw new TinynetError(
              'dataset.bad_image',
              `${split} image ${item.index} (${item.path}) cannot be decoded: ${decoded.error}`,
              'remove or replace that image in the source, then run prepare again',
            );
          }
          let target: SplitAccumulator;
          let row: number;
          if (split === 'val') {
            target = out.val;
            row = item.index;
          } else {
            target = destSplit[item.index] === 0 ? out.train : out.test;
            row = destRow[item.index];
          }
          target.images.set(decoded.pixels, row * pixels);
          if (decoded.source.channels <= 2) target.grayscale++;
          const key = `${decoded.source.width}x${decoded.source.height}`;
          target.sizes[key] = (target.sizes[key] ?? 0) + 1;
          // Per-image sums are integers, so the totals do not depend on the order batches finish in.
          if (target === out.train) accumulate(decoded.pixels, sum, sumSq);
        });
        seen += batch.length;
        progress.tick(batch.length);
      });
      progress.stop();
      if (seen !== expected) {
        throw new TinynetError(
          'dataset.bad_parquet',
          `${split}: read ${seen} images but the source has ${expected} labels`,
          'the source files are inconsistent; regenerate or download them again',
        );
      }
    }
  } finally {
    await pool.close();
  }

  const nTrainPx = out.train.labels.length * size * size;
  const mean = sum.map((s) => s / nTrainPx / 255) as [number, number, number];
  const std = sumSq.map((s, k) => Math.sqrt(Math.max(0, s / nTrainPx / (255 * 255) - mean[k] * mean[k]))) as [number, number, number];
  const perClass = (labels: Int32Array) => {
    const counts = new Array(numClasses).fill(0);
    for (const l of labels) counts[l]++;
    return counts;
  };
  const meta: DatasetMeta = {
    format: CACHE_FORMAT,
    created_at: new Date().toISOString(),
    input_shape: [size, size, 3],
    resize: ds.resize,
    num_classes: numClasses,
    classes: source.classes.map((c) => ({ id: c.id, wnid: c.wnid, name: c.name })),
    splits: {
      train: { size: out.train.labels.length, images: imagesFile('train'), labels: labelsFile('train') },
      val: { size: out.val.labels.length, images: imagesFile('val'), labels: labelsFile('val') },
      test: { size: out.test.labels.length, images: imagesFile('test'), labels: labelsFile('test') },
    },
    per_class: { train: perClass(out.train.labels), val: perClass(out.val.labels), test: perClass(out.test.labels) },
    grayscale: {
      train: out.train.grayscale,
      val: out.val.grayscale,
      test: out.test.grayscale,
      total: out.train.grayscale + out.val.grayscale + out.test.grayscale,
    },
    image_sizes: { train: out.train.sizes, val: out.val.sizes, test: out.test.sizes },
    mean,
    std,
    split: { strategy: 'stratified', test_ratio: ds.test_ratio, seed: ds.split_seed, test_from: 'train', val_from: 'val' },
    source: { kind: ds.source, path: ds.path, fingerprint, classes_file: classesFile },
    byte_order: 'little',
  };

  mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = tempSibling(dir);
  try {
    mkdirSync(tmp);
    for (const split of ['train', 'val', 'test'] as SplitName[]) {
      writeFileSync(path.join(tmp, imagesFile(split)), out[split].images);
      writeFileSync(path.join(tmp, labelsFile(split)), new Uint8Array(out[split].labels.buffer));
    }
    writeFileSync(path.join(tmp, META_FILE), `${JSON.stringify(meta, null, 1)}\n`);
    replaceDir(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const total = trainLabels.length + valLabels.length;
  const secs = (Date.now() - started) / 1000;
  log.info(`prepared ${total} images in ${secs.toFixed(1)}s (${Math.round(total / secs)} img/s) → ${dir}`);
  return meta;
}

const BATCH = 64;

/** Worker threads for decoding: dataset.workers when set (1 = none), else one per core for big datasets. */
function decodeThreads(workers: number, images: number): number {
  if (workers === 1) return 0;
  if (workers > 1) return workers;
  // Starting workers costs ~0.3 s each; small datasets decode faster on the main thread.
  return images >= 4000 ? Math.min(os.availableParallelism(), 8) : 0;
}

async function* chunks(items: AsyncIterable<SourceItem>, n: number): AsyncGenerator<SourceItem[]> {
  let batch: SourceItem[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === n) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function accumulate(rgb: Uint8Array, sum: number[], sumSq: number[]): void {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    q0 = 0,
    q1 = 0,
    q2 = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i],
      g = rgb[i + 1],
      b = rgb[i + 2];
    s0 += r;
    s1 += g;
    s2 += b;
    q0 += r * r;
    q1 += g * g;
    q2 += b * b;
  }
  sum[0] += s0;
  sum[1] += s1;
  sum[2] += s2;
  sumSq[0] += q0;
  sumSq[1] += q1;
  sumSq[2] += q2;
}
