import { existsSync, readdirSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../core/rng.js';
import { TinynetError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createProgress } from '../core/progress.js';
import type { ClassInfo } from './classes.js';
import { hfParquetBuffer, type HfRow } from './hf-parquet-writer.js';
import { forEachConcurrent } from './pool.js';
import { replaceDir, tempSibling } from '../core/atomic.js';

const log = createLogger('data/synth');

export interface SynthOptions {
  out: string;
  classes: number;
  perClass: number;
  valPerClass: number;
  seed: number;
  imageSize: number;
  /** Share of images written as single-channel JPEGs, like Tiny ImageNet's 1.8 %. */
  grayscaleFraction?: number;
  /** Replace a non-empty `out`. */
  force?: boolean;
}

export const SYNTH_TRAIN_FILE = 'train-00000-of-00001.parquet';
export const SYNTH_VAL_FILE = 'valid-00000-of-00001.parquet';

const SHAPES = ['disc', 'square', 'triangle', 'ring', 'cross', 'diamond'] as const;
const TEXTURES = ['plain', 'h-stripes', 'v-stripes', 'checks', 'dots'] as const;
const HUE_NAMES = ['red', 'orange', 'yellow', 'lime', 'green', 'teal', 'cyan', 'azure', 'blue', 'violet', 'magenta', 'pink'];

/** What makes a class a class: a shape, a background texture and two colors. */
interface ClassStyle {
  shape: (typeof SHAPES)[number];
  texture: (typeof TEXTURES)[number];
  fg: [number, number, number];
  bg: [number, number, number];
  bg2: [number, number, number];
  hueName: string;
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s),
    q = v * (1 - f * s),
    t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

export function classStyle(c: number): ClassStyle {
  // Golden-ratio hue steps keep neighbouring classes far apart in color.
  const hue = (c * 0.61803398875) % 1;
  const shape = SHAPES[c % SHAPES.length];
  const texture = TEXTURES[Math.floor(c / SHAPES.length) % TEXTURES.length];
  return {
    shape,
    texture,
    fg: hsvToRgb(hue, 0.85, 0.95),
    bg: hsvToRgb((hue + 0.5) % 1, 0.35, 0.35),
    bg2: hsvToRgb((hue + 0.5) % 1, 0.25, 0.6),
    hueName: HUE_NAMES[Math.floor(hue * HUE_NAMES.length) % HUE_NAMES.length],
  };
}

export function syntheticClasses(n: number): ClassInfo[] {
  return Array.from({ length: n }, (_, c) => {
    const s = classStyle(c);
    const wnid = `syn${String(c).padStart(4, '0')}`;
    return { id: c, wnid, hf_label: wnid, name: `${s.hueName} ${s.shape} on ${s.texture}` };
  });
}

function insideShape(shape: ClassStyle['shape'], dx: number, dy: number): boolean {
  const ax = Math.abs(dx),
    ay = Math.abs(dy);
  switch (shape) {
    case 'disc':
      return dx * dx + dy * dy <= 1;
    case 'square':
      return ax <= 0.85 && ay <= 0.85;
    case 'triangle':
      return dy <= 0.8 && dy >= -0.9 && ax <= (dy + 0.9) * 0.6;
    case 'ring': {
      const r2 = dx * dx + dy * dy;
      return r2 <= 1 && r2 >= 0.4;
    }
    case 'cross':
      return (ax <= 0.3 && ay <= 1) || (ay <= 0.3 && ax <= 1);
    case 'diamond':
      return ax + ay <= 1;
  }
}

function textureOn(texture: ClassStyle['texture'], x: number, y: number, phase: number): boolean {
  switch (texture) {
    case 'plain':
      return false;
    case 'h-stripes':
      return Math.floor((y + phase) / 4) % 2 === 0;
    case 'v-stripes':
      return Math.floor((x + phase) / 4) % 2 === 0;
    case 'checks':
      return (Math.floor((x + phase) / 6) + Math.floor((y + phase) / 6)) % 2 === 0;
    case 'dots':
      return ((x + phase) % 8) - 4 < 2 && ((y + phase) % 8) - 4 < 2 && (x + phase) % 8 >= 2 && (y + phase) % 8 >= 2;
  }
}

/** One image of class `c`: the class's shape and texture, with jittered position, size, light and noise. */
export function renderSynthetic(c: number, size: number, rng: Rng): Uint8Array {
  const s = classStyle(c);
  const out = new Uint8Array(size * size * 3);
  const radius = size * rng.uniform(0.22, 0.32);
  const cx = size / 2 + rng.uniform(-0.15, 0.15) * size;
  const cy = size / 2 + rng.uniform(-0.15, 0.15) * size;
  const light = rng.uniform(0.8, 1.15);
  const phase = rng.int(8);
  const noise = rng.uniform(6, 16);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = insideShape(s.shape, (x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
      const color = inside ? s.fg : textureOn(s.texture, x, y, phase) ? s.bg2 : s.bg;
      const o = (y * size + x) * 3;
      for (let k = 0; k < 3; k++) {
        const v = color[k] * light + rng.normal() * noise;
        out[o + k] = v < 0 ? 0 : Math.min(v, 255);
      }
    }
  }
  return out;
}

async function encodeJpeg(rgb: Uint8Array, size: number, grayscale: boolean): Promise<Uint8Array> {
  let img = sharp(rgb, { raw: { width: size, height: size, channels: 3 } });
  if (grayscale) img = img.toColourspace('b-w');
  return new Uint8Array(await img.jpeg({ quality: 90 }).toBuffer());
}

async function renderSplit(split: 'train' | 'val', counts: number, classes: number, opts: SynthOptions): Promise<HfRow[]> {
  const total = counts * classes;
  const rows: HfRow[] = new Array(total);
  const grayFrac = opts.grayscaleFraction ?? 0.02;
  const progress = createProgress({ label: `synth ${split}`, total, unit: 'img' });
  // Each image has its own seed, so the output never depends on the order the pool finishes in.
  const base = new Rng(opts.seed * 2 + (split === 'train' ? 0 : 1)).nextUint32();
  const jobs = Array.from({ length: total }, (_, i) => i);
  await forEachConcurrent(jobs, 8, async (i) => {
    const c = Math.floor(i / counts);
    const rng = new Rng((base ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const rgb = renderSynthetic(c, opts.imageSize, rng);
    const gray = rng.next() < grayFrac;
    rows[i] = { bytes: await encodeJpeg(rgb, opts.imageSize, gray), path: `${split}_${c}_${i % counts}.jpg`, label: c };
    progress.tick();
  });
  progress.stop();
  return rows;
}

/** Write a synthetic dataset in the HF parquet layout (`data/train-*.parquet`, `data/valid-*.parquet`) plus `classes.json`. */
export async function synthesizeDataset(opts: SynthOptions): Promise<{ out: string; classes: ClassInfo[]; train: number; val: number }> {
  if (opts.classes < 2) throw new TinynetError('synth.bad_option', `--classes must be at least 2 (got ${opts.classes})`);
  if (opts.perClass < 2) throw new TinynetError('synth.bad_option', `--per-class must be at least 2 (got ${opts.perClass})`);
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0 && !opts.force) {
    throw new TinynetError('synth.out_exists', `${opts.out} is not empty`, 'choose another --out, or pass --force to replace it');
  }
  const classes = syntheticClasses(opts.classes);
  const names = classes.map((c) => c.hf_label ?? c.wnid);
  log.info(`generating ${opts.classes} classes × ${opts.perClass} train + ${opts.valPerClass} val images (${opts.imageSize}px) into ${opts.out}`);
  const train = await renderSplit('train', opts.perClass, opts.classes, opts);
  const val = await renderSplit('val', opts.valPerClass, opts.classes, opts);
  mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  const tmp = tempSibling(path.resolve(opts.out));
  try {
    mkdirSync(path.join(tmp, 'data'), { recursive: true });
    writeFileSync(path.join(tmp, 'data', SYNTH_TRAIN_FILE), hfParquetBuffer(train, names));
    writeFileSync(path.join(tmp, 'data', SYNTH_VAL_FILE), hfParquetBuffer(val, names));
    writeFileSync(path.join(tmp, 'classes.json'), `${JSON.stringify(classes, null, 1)}\n`);
    replaceDir(tmp, path.resolve(opts.out));
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { out: opts.out, classes, train: train.length, val: val.length };
}
