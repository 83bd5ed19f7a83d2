import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { TinynetError } from '../core/errors.js';
import type { ResizeRule } from '../core/image/resize-rule.js';

export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: SplitName[] = ['train', 'val', 'test'];
/** 2: pixels through the image contract (EXIF, alpha on white, the resize rule), `resize` in meta. */
export const CACHE_FORMAT = 2;

/** What `meta.json` of a prepared dataset holds (the contract with train/, export/ and serve/). */
export interface DatasetMeta {
  format: number;
  created_at: string;
  /** [height, width, channels]; images are uint8 NHWC RGB. */
  input_shape: [number, number, number];
  /** How every source image was brought to input_shape (`dataset.resize`); serving must do the same. */
  resize: ResizeRule;
  num_classes: number;
  classes: { id: number; wnid: string; name: string }[];
  splits: Record<SplitName, { size: number; images: string; labels: string }>;
  per_class: Record<SplitName, number[]>;
  /** Images stored single-channel (or gray+alpha) in the source, expanded to RGB. */
  grayscale: Record<SplitName, number> & { total: number };
  /** Source image sizes as "WxH" (once EXIF-oriented) → count, per split (all resized to input_shape). */
  image_sizes: Record<SplitName, Record<string, number>>;
  /** Per-channel RGB mean and std on [0, 1] pixels, train split only. */
  mean: [number, number, number];
  std: [number, number, number];
  split: { strategy: 'stratified'; test_ratio: number; seed: number; test_from: 'train'; val_from: 'val' };
  source: { kind: string; path: string; fingerprint: string; classes_file: string };
  /** Labels are little-endian int32. */
  byte_order: 'little';
}

export interface SplitData {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  height: number;
  width: number;
}

export const META_FILE = 'meta.json';
export const imagesFile = (split: SplitName) => `${split}.images.u8`;
export const labelsFile = (split: SplitName) => `${split}.labels.i32`;

function missing(dir: string, what: string): TinynetError {
  return new TinynetError('dataset.cache_missing', `no prepared dataset at ${dir} (${what})`, 'run `tinynet data prepare --config <your config>` first');
}

export function loadMeta(dir: string): DatasetMeta {
  const file = path.join(dir, META_FILE);
  if (!existsSync(file)) throw missing(dir, 'meta.json not found');
  let meta: DatasetMeta;
  try {
    meta = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TinynetError(
      'dataset.cache_corrupt',
      `${file} is not valid JSON (${(err as Error).message})`,
      'delete the cache dir and run `tinynet data prepare` again',
    );
  }
  if (meta.format !== CACHE_FORMAT) {
    throw new TinynetError(
      'dataset.cache_corrupt',
      `${file} has cache format ${meta.format}, this tinynet reads ${CACHE_FORMAT}`,
      'run `tinynet data prepare --config <your config>` again',
    );
  }
  return meta;
}

/** One split of a prepared dataset, fully in memory (uint8 NHWC images + int32 labels). */
export function loadSplit(dir: string, split: SplitName): SplitData {
  const meta = loadMeta(dir);
  const info = meta.splits[split];
  if (!info) throw new TinynetError('dataset.bad_split', `unknown split "${split}" (accepted: ${SPLITS.join(', ')})`);
  const [height, width, channels] = meta.input_shape;
  const imgPath = path.join(dir, info.images);
  const lblPath = path.join(dir, info.labels);
  if (!existsSync(imgPath) || !existsSync(lblPath)) throw missing(dir, `${split} files not found`);
  const want = info.size * height * width * channels;
  if (statSync(imgPath).size !== want || statSync(lblPath).size !== info.size * 4) {
    throw new TinynetError(
      'dataset.cache_corrupt',
      `${split} files in ${dir} do not have the sizes meta.json promises (${info.size} images of ${height}×${width}×${channels})`,
      'delete the cache dir and run `tinynet data prepare` again',
    );
  }
  const images = readWhole(imgPath, want);
  const lbuf = readFileSync(lblPath);
  // Int32Array needs 4-byte alignment; copy only when the Buffer does not give it.
  const labels =
    lbuf.byteOffset % 4 === 0
      ? new Int32Array(lbuf.buffer, lbuf.byteOffset, lbuf.byteLength / 4)
      : new Int32Array(lbuf.buffer.slice(lbuf.byteOffset, lbuf.byteOffset + lbuf.byteLength));
  return { images, labels, n: info.size, height, width };
}

/** Read a file into one Uint8Array in 256 MiB pieces (readFileSync stops at 2 GiB; a 128 px train split is bigger). */
function readWhole(file: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const fd = openSync(file, 'r');
  try {
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, Math.min(size - at, 256 * 2 ** 20), at);
      if (n <= 0)
        throw new TinynetError(
          'dataset.cache_corrupt',
          `${file} ended after ${at} of ${size} bytes`,
          'run `tinynet data prepare --config <your config>` again',
        );
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
