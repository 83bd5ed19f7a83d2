/**
 * `npm run bench`: runs the benchmarks below in this order (the data flow: prepare, train, export,
 * serve, browser), writes bench/results/<name>.json for each and one Markdown table
 * (bench/results/SUMMARY.md) with the machine it ran on. `npm run bench -- serve export` runs only those.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo, RESULTS_DIR, runAndSave, savedResults } from './lib/results-file.js';
import { summaryMarkdown } from './lib/summary.js';
import type { BenchResult } from './lib/types.js';

type Benchmark = { run: () => Promise<BenchResult> };

const BENCHMARKS: Array<[name: string, load: () => Promise<Benchmark>]> = [
  ['prepare', () => import('./prepare.js')],
  ['train-step', () => import('./train-step.js')],
  ['train-profile', () => import('./train-profile.js')],
  ['train-bn-grad', () => import('./train-bn-grad.js')],
  ['ort-conv-grad', () => import('./ort-conv-grad.js')],
  ['wasm-peak', () => import('./wasm-peak.js')],
  ['export', () => import('./export.js')],
  ['quantize', () => import('./quantize.js')],
  ['serve', () => import('./serve.js')],
  ['web', () => import('./web.js')],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !BENCHMARKS.some(([n]) => n === name));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map(([n]) => n).join(', ')}`);
  const machine = machineInfo();
  for (const [name, load] of BENCHMARKS) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name} ...\n`);
    const { run } = await load();
    await runAndSave(run, machine);
  }
  // The summary covers every result on disk, so `npm run bench -- serve` refreshes one section.
  const summary = summaryMarkdown(savedResults(), machine);
  writeFileSync(path.join(RESULTS_DIR, 'SUMMARY.md'), summary);
  process.stdout.write(`${summary}\n`);
}

await main();
process.exit(0);
