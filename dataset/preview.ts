import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';
import { svgToPng } from '../core/charts.js';
import type { DatasetMeta, SplitData } from './cache.js';
import { augmentBatch, drawAugmentParams } from './augment.js';
import { writeFileAtomic } from '../core/atomic.js';

export interface PreviewSample {
  row: number;
  label: number;
  name: string;
  flipped: boolean;
}

/** Pick `count` train rows, one per class first (so the grid shows different classes), seeded. */
export function pickSamples(data: SplitData, count: number, rng: Rng): number[] {
  const order = rng.shuffle(Int32Array.from({ length: data.n }, (_, i) => i)) as Int32Array;
  const seen = new Set<number>();
  const picked: number[] = [];
  for (const row of order) {
    if (picked.length >= count) break;
    if (!seen.has(data.labels[row])) {
      seen.add(data.labels[row]);
      picked.push(row);
    }
  }
  for (const row of order) {
    if (picked.length >= count) break;
    if (!picked.includes(row)) picked.push(row);
  }
  return picked;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

async function cellPng(rgb: Uint8Array, h: number, w: number, cell: number): Promise<string> {
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .resize(cell, cell, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * The course report's D10: a grid of train samples, original (top) and augmented (bottom), named by class.
 * The augmentation is exactly the training one (same tensor ops), drawn from `rng`.
 */
export async function renderPreview(opts: {
  data: SplitData;
  meta: DatasetMeta;
  augment: AugmentConfig;
  rng: Rng;
  count?: number;
  outPng: string;
}): Promise<{ png: string; samples: PreviewSample[] }> {
  const { data, meta } = opts;
  const { height: h, width: w } = data;
  const px = h * w * 3;
  const rows = pickSamples(data, Math.min(opts.count ?? 8, data.n), opts.rng);
  const b = rows.length;
  const u8 = new Uint8Array(b * px);
  rows.forEach((row, i) => {
    u8.set(data.images.subarray(row * px, (row + 1) * px), i * px);
  });
  const params = drawAugmentParams(b, opts.augment, opts.rng);
  let aug: Uint8Array;
  if (opts.augment.enabled) {
    const augmented = tf.tidy(() => {
      const x = tf.tensor4d(
        Float32Array.from(u8, (v) => v / 255),
        [b, h, w, 3],
      );
      return augmentBatch(x, params, opts.augment).mul(255).round();
    });
    aug = Uint8Array.from(await augmented.data());
    augmented.dispose();
  } else {
    // augment.enabled: false — training sees the originals, and so does the grid.
    aug = u8.slice();
    params.flipped.fill(false);
  }

  const cell = 128,
    pad = 12,
    labelH = 44,
    headW = 92;
  const width = headW + b * (cell + pad) + pad;
  const height = pad + 2 * (cell + pad) + labelH + pad;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<g font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="13" fill="#222">`);
  parts.push(`<text x="${pad}" y="${pad + cell / 2}">original</text>`);
  parts.push(`<text x="${pad}" y="${2 * pad + cell + cell / 2}">${opts.augment.enabled ? 'augmented' : 'augment off'}</text>`);
  const samples: PreviewSample[] = [];
  for (let i = 0; i < b; i++) {
    const x = headW + pad + i * (cell + pad);
    const label = data.labels[rows[i]];
    const name = meta.classes[label]?.name ?? String(label);
    samples.push({ row: rows[i], label, name, flipped: params.flipped[i] });
    parts.push(`<image x="${x}" y="${pad}" width="${cell}" height="${cell}" href="${await cellPng(u8.subarray(i * px, (i + 1) * px), h, w, cell)}"/>`);
    parts.push(
      `<image x="${x}" y="${2 * pad + cell}" width="${cell}" height="${cell}" href="${await cellPng(aug.subarray(i * px, (i + 1) * px), h, w, cell)}"/>`,
    );
    const short = name.split(',')[0];
    const text = short.length > 22 ? `${short.slice(0, 21)}…` : short;
    const ty = 3 * pad + 2 * cell + 14;
    parts.push(`<text x="${x + cell / 2}" y="${ty}" text-anchor="middle" font-size="11">${escapeXml(text)}</text>`);
    parts.push(
      `<text x="${x + cell / 2}" y="${ty + 17}" text-anchor="middle" fill="#666" font-size="11">id ${label}${params.flipped[i] ? ' · flipped' : ''}</text>`,
    );
  }
  parts.push('</g></svg>');
  const png = await svgToPng(parts.join('\n'), 1);
  await writeFileAtomic(opts.outPng, png);
  return { png: path.resolve(opts.outPng), samples };
}
