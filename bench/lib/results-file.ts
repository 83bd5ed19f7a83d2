/**
 * Where a benchmark's figures go: bench/results/<name>.json, written atomically with the machine
 * they were measured on (run-all.ts builds SUMMARY.md from these files). A benchmark's run() only
 * returns its result; whoever ran it (run-all.ts, or runWhenMain for one file) writes it here, once.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../core/atomic.js';
import { packageFile } from '../../core/paths.js';
import type { BenchResult } from './types.js';

export const RESULTS_DIR = packageFile('bench', 'results');

export type Machine = Record<string, string | number>;
export type SavedResult = BenchResult & { machine?: Machine; seconds?: number };

export function machineInfo(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
  };
}

/** Runs one benchmark and writes its result with the machine and the wall time it took. */
export async function runAndSave(run: () => Promise<BenchResult>, machine: Machine = machineInfo()): Promise<SavedResult> {
  const started = Date.now();
  const result = await run();
  const saved: SavedResult = { ...result, machine, seconds: (Date.now() - started) / 1000 };
  mkdirSync(RESULTS_DIR, { recursive: true });
  await writeFileAtomic(path.join(RESULTS_DIR, `${result.name}.json`), `${JSON.stringify(saved, null, 2)}\n`);
  return saved;
}

/** Every bench/results/<name>.json, the ones this run wrote and those of earlier partial runs. */
export function savedResults(): SavedResult[] {
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(RESULTS_DIR, f), 'utf8')));
}

/** `node dist/bench/<name>.js`: runs the benchmark when that file is the entry point, writes and prints its rows. */
export async function runWhenMain(moduleUrl: string, run: () => Promise<BenchResult>): Promise<void> {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const result = await runAndSave(run);
  for (const r of result.results) {
    const ref = r.referenceValue != null ? ` vs ${r.referenceValue.toFixed(2)} (${r.reference}) = ${r.ratio?.toFixed(3)}×` : '';
    console.log(`${r.case}: ${r.value.toFixed(2)} ${r.unit}${ref}`);
  }
  console.log(result.notes);
  process.exit(0);
}
