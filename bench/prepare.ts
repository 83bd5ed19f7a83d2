/**
 * Prepare throughput on 20k synthetic images (goal ≥ 2,000 img/s on 2 cores).
 * References measured in the same run on the same JPEG bytes: sharp decode alone, one at a time
 * and with the same number of decodes in flight as prepare — so the ratio shows what the
 * pipeline (parquet read, split, copy, stats, write) costs on top of decoding.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { validateConfig } from '../core/config/index.js';
import { prepareDataset } from '../dataset/prepare.js';
import { synthesizeDataset } from '../dataset/synthetic.js';
import { ParquetSource } from '../dataset/sources/parquet.js';
import { loadClassList } from '../dataset/classes.js';
import { forEachConcurrent } from '../dataset/pool.js';

export interface BenchResult {
  name: string;
  machine?: Record<string, unknown>;
  results: Record<string, unknown>[];
  notes?: string;
}

const CLASSES = 100;
const PER_CLASS = 180;
const VAL_PER_CLASS = 20; // 100 × (180 + 20) = 20,000 images

export async function run(): Promise<BenchResult> {
  process.env.TINYNET_LOG = process.env.TINYNET_LOG ?? 'warn';
  const root = mkdtempSync(path.join(os.tmpdir(), 'tinynet-bench-prepare-'));
  try {
    const syn = path.join(root, 'syn');
    await synthesizeDataset({ out: syn, classes: CLASSES, perClass: PER_CLASS, valPerClass: VAL_PER_CLASS, seed: 1, imageSize: 64 });
    const { config } = validateConfig({ dataset: { source: 'hf-parquet', path: syn, image_size: 64 }, paths: { cache: path.join(root, 'cache') } });
    const total = CLASSES * (PER_CLASS + VAL_PER_CLASS);

    // The encoded bytes, read once, for the decode-only references.
    const src = ParquetSource.open(syn, loadClassList(path.join(syn, 'classes.json')));
    const bytes: Uint8Array[] = [];
    for (const split of ['train', 'val'] as const) for await (const it of src.items(split)) bytes.push(it.bytes);

    const time = async (fn: () => Promise<unknown>) => {
      const t = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    const decode = (b: Uint8Array) => sharp(b).raw().toBuffer();
    const inFlight = Math.max(4, os.availableParallelism() * 4);

    const seqSec = await time(async () => { for (const b of bytes.slice(0, 4000)) await decode(b); });
    const parSec = await time(() => forEachConcurrent(bytes, inFlight, async (b) => { await decode(b); }));
    const prepSec = await time(() => prepareDataset(config, { force: true }));
    const reuseSec = await time(() => prepareDataset(config));

    const results = [
      { metric: 'prepare', images: total, seconds: prepSec, images_per_s: total / prepSec, goal_images_per_s: 2000 },
      { metric: 'reference: sharp decode only, one at a time', images: 4000, seconds: seqSec, images_per_s: 4000 / seqSec },
      { metric: `reference: sharp decode only, ${inFlight} in flight`, images: total, seconds: parSec, images_per_s: total / parSec },
      { metric: 'prepare / parallel decode-only', ratio: (total / prepSec) / (total / parSec) },
      { metric: 'prepare / sequential decode-only', ratio: (total / prepSec) / (4000 / seqSec) },
      { metric: 'second prepare (cache reuse)', seconds: reuseSec },
    ];
    const result: BenchResult = {
      name: 'prepare',
      machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
      results,
      notes: `20k synthetic 64×64 JPEGs (${CLASSES} classes × ${PER_CLASS}+${VAL_PER_CLASS}), HF parquet layout; wall-clock on a shared machine`,
    };
    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'prepare.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await run();
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
