/**
 * Where a benchmark's figures go: bench/results/<name>.json, written atomically (run-all.ts builds
 * SUMMARY.md from these files), and what a benchmark run on its own prints.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/atomic.js';
import { packageFile } from '../core/paths.js';
import type { BenchResult } from './types.js';

export async function saveResult<T extends BenchResult>(result: T): Promise<T> {
  const dir = packageFile('bench', 'results');
  mkdirSync(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** `node dist/bench/<name>.js`: runs the benchmark when that file is the entry point and prints its rows. */
export async function runWhenMain(moduleUrl: string, run: () => Promise<BenchResult>): Promise<void> {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const result = await run();
  for (const r of result.results) {
    const ref = r.referenceValue != null ? ` vs ${r.referenceValue.toFixed(2)} (${r.reference}) = ${r.ratio?.toFixed(3)}×` : '';
    console.log(`${r.case}: ${r.value.toFixed(2)} ${r.unit}${ref}`);
  }
  console.log(result.notes);
  process.exit(0);
}
