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
import { packageFile } from '../core/paths.js';
import type { BenchResult, BenchRow } from './lib/types.js';

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
    const { config: oneThread } = validateConfig({
      dataset: { source: 'hf-parquet', path: syn, image_size: 64, workers: 1 },
      paths: { cache: path.join(root, 'cache') },
    });
    const total = CLASSES * (PER_CLASS + VAL_PER_CLASS);

    // The encoded bytes, read once, for the decode-only references.
    const src = ParquetSource.open(syn, loadClassList(path.join(syn, 'classes.json')));
    const bytes: Uint8Array[] = [];
    for (const split of ['train', 'val'] as const) for await (const it of src.items(split)) bytes.push(it.bytes);

    const time = async (fn: () => Promise<unknown>) => {
      const t = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      await fn();
      const used = process.cpuUsage(cpu);
      return { wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: (used.user + used.system) / 1e6 };
    };
    const decode = (b: Uint8Array) => sharp(b).raw().toBuffer();
    const inFlight = Math.max(4, os.availableParallelism() * 4);
    const cores = os.availableParallelism();
    const loadBefore = os.loadavg()[0];

    sharp.cache(false);
    const seq = await time(async () => {
      for (const b of bytes.slice(0, 4000)) await decode(b);
    });
    const par = await time(() =>
      forEachConcurrent(bytes, inFlight, async (b) => {
        await decode(b);
      }),
    );
    const main = await time(() => prepareDataset(oneThread, { force: true }));
    const prep = await time(() => prepareDataset(config, { force: true }));
    const reuse = await time(() => prepareDataset(config));

    const prepRate = total / prep.wall;
    const parRate = total / par.wall;
    const seqRate = 4000 / seq.wall;
    // CPU seconds (all threads) per image: on a shared machine this is steadier than wall time,
    // and cores / cpu-per-image bounds what the same code does on idle cores.
    const cpuPerImage = prep.cpu / total;
    const results: BenchRow[] = [
      {
        case: 'prepare (decode + split + stats + write), images/s',
        value: prepRate,
        unit: 'img/s',
        reference: `sharp decode only, ${inFlight} in flight`,
        referenceValue: parRate,
        ratio: prepRate / parRate,
      },
      {
        case: `prepare with ${cores} decode threads vs main thread only, images/s`,
        value: prepRate,
        unit: 'img/s',
        reference: 'prepare, dataset.workers: 1',
        referenceValue: total / main.wall,
        ratio: prepRate / (total / main.wall),
      },
      {
        case: 'prepare vs sharp decode one at a time, images/s',
        value: prepRate,
        unit: 'img/s',
        reference: 'sharp decode only, sequential (4,000 images)',
        referenceValue: seqRate,
        ratio: prepRate / seqRate,
      },
      { case: 'prepare vs the goal, images/s', value: prepRate, unit: 'img/s', reference: 'goal on 2 cores', referenceValue: 2000, ratio: prepRate / 2000 },
      { case: 'prepare CPU time per image (all threads)', value: cpuPerImage * 1000, unit: 'ms' },
      {
        case: `prepare bound on ${cores} idle cores (cores / CPU per image)`,
        value: cores / cpuPerImage,
        unit: 'img/s',
        reference: 'goal on 2 cores',
        referenceValue: 2000,
        ratio: cores / cpuPerImage / 2000,
      },
      { case: 'second prepare (cache reused)', value: reuse.wall, unit: 's' },
    ];
    const result: BenchResult = {
      name: 'prepare',
      results,
      notes:
        `20k synthetic 64×64 JPEGs (${CLASSES} classes × ${PER_CLASS}+${VAL_PER_CLASS}) in the HF parquet layout; ${cores} cores, ` +
        `load average ${loadBefore.toFixed(1)} before / ${os.loadavg()[0].toFixed(1)} after (other work shares the machine: wall-clock figures are noisy). ` +
        'Reproduce: npm run bench -- prepare',
    };
    const out = packageFile('bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'prepare.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await run();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
