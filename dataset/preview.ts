import path from 'node:path';
import sharp from 'sharp';
import type { AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';
import { svgToPng } from '../core/charts.js';
import type { DatasetMeta, SplitData } from './cache.js';
import { augmentedPixels } from './recipe.js';
import { writeFileAtomic } from '../core/atomic.js';

export interface PreviewSample {
  row: number;
  label: number;
  name: string;
  flipped: boolean;
  /** Policy ops applied (RandAugment / TrivialAugment), e.g. `Rotate -12.0`. */
  policy: string[];
  erased: boolean;
  /** The batch mix this sample took part in: λ of its own label and the partner's label. */
  mix: { mode: 'mixup' | 'cutmix'; lam: number; partner: number } | null;
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
  const labels = Int32Array.from(rows, (row) => data.labels[row]);
  let aug: Uint8Array;
  let described: Omit<PreviewSample, 'row' | 'label' | 'name'>[];
  if (opts.augment.enabled) {
    // The training batch exactly (recipe.ts), shown back on the 0–255 scale.
    const out = await augmentedPixels(u8, labels, h, w, opts.augment, { mean: meta.mean, std: meta.std, numClasses: meta.num_classes }, opts.rng);
    aug = out.pixels;
    const p = out.params;
    const mix = p.mix && p.mix.mode !== 'none' ? p.mix : null;
    described = rows.map((_, i) => ({
      flipped: p.augment.flipped[i],
      policy: (p.policy[i] ?? []).filter((o) => o.op !== 'Identity').map((o) => `${o.op} ${Number(o.magnitude.toFixed(2))}`),
      erased: Boolean(p.erase[i]),
      mix: mix && b - 1 - i !== i ? { mode: mix.mode as 'mixup' | 'cutmix', lam: mix.lam, partner: labels[b - 1 - i] } : null,
    }));
  } else {
    // augment.enabled: false — training sees the originals, and so does the grid.
    aug = u8.slice();
    described = rows.map(() => ({ flipped: false, policy: [], erased: false, mix: null }));
  }

  const cell = 128,
    pad = 12,
    labelH = 44,
    headW = 92;
  const width = headW + b * (cell + pad) + pad;
  const height = pad + 2 * (cell + pad) + labelH + 34 + pad;
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
    const d = described[i];
    samples.push({ row: rows[i], label, name, ...d });
    parts.push(`<image x="${x}" y="${pad}" width="${cell}" height="${cell}" href="${await cellPng(u8.subarray(i * px, (i + 1) * px), h, w, cell)}"/>`);
    parts.push(
      `<image x="${x}" y="${2 * pad + cell}" width="${cell}" height="${cell}" href="${await cellPng(aug.subarray(i * px, (i + 1) * px), h, w, cell)}"/>`,
    );
    const short = name.split(',')[0];
    const text = short.length > 22 ? `${short.slice(0, 21)}…` : short;
    const ty = 3 * pad + 2 * cell + 14;
    parts.push(`<text x="${x + cell / 2}" y="${ty}" text-anchor="middle" font-size="11">${escapeXml(text)}</text>`);
    parts.push(
      `<text x="${x + cell / 2}" y="${ty + 17}" text-anchor="middle" fill="#666" font-size="11">` +
        `id ${label}${d.flipped ? ' · flipped' : ''}${d.erased ? ' · erased' : ''}</text>`,
    );
    const policyText = d.policy.join(', ');
    if (policyText)
      parts.push(
        `<text x="${x + cell / 2}" y="${ty + 34}" text-anchor="middle" fill="#666" font-size="10">` +
          `${escapeXml(policyText.length > 26 ? `${policyText.slice(0, 25)}…` : policyText)}</text>`,
      );
    if (d.mix)
      parts.push(
        `<text x="${x + cell / 2}" y="${ty + 50}" text-anchor="middle" fill="#a33" font-size="10">` +
          `${d.mix.mode} λ ${d.mix.lam.toFixed(2)} with id ${d.mix.partner}</text>`,
      );
  }
  parts.push('</g></svg>');
  const png = await svgToPng(parts.join('\n'), 1);
  await writeFileAtomic(opts.outPng, png);
  return { png: path.resolve(opts.outPng), samples };
}
