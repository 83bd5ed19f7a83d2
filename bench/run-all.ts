/**
 * `npm run bench`: runs every bench/<name>.js that exports `run()`, writes bench/results/<name>.json
 * and one Markdown table (bench/results/SUMMARY.md) with the machine it ran on.
 * `npm run bench -- serve export` runs only those.
 */
import { readdirSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, BenchRow } from './types.js';
import { packageFile } from '../core/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = packageFile('bench', 'results');

function machineInfo(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
  };
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function table(result: BenchResult): string {
  const rows = result.results.map(
    (r: BenchRow) =>
      `| ${r.case} | ${fmt(r.value)} ${r.unit} | ${r.reference ?? ''} | ${r.referenceValue !== undefined ? `${fmt(r.referenceValue)} ${r.unit}` : ''} | ${fmt(r.ratio)} |`,
  );
  return [
    `### ${result.name}`,
    '',
    '| case | value | reference | reference value | ratio |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    result.notes ?? '',
    '',
  ].join('\n');
}

/** Every bench/results/<name>.json, the ones this run wrote and those of earlier partial runs. */
function collectResults(): Array<BenchResult & { machine?: Record<string, string | number> }> {
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8')));
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.js') && !['run-all.js', 'types.js'].includes(f))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.js$/, '')));
  mkdirSync(resultsDir, { recursive: true });
  const machine = machineInfo();
  for (const file of files.sort()) {
    const mod = await import(pathToFileURL(path.join(here, file)).href);
    if (typeof mod.run !== 'function') continue;
    process.stderr.write(`bench: ${file} ...\n`);
    const started = Date.now();
    const result: BenchResult = await mod.run();
    const withMachine = { ...result, machine, seconds: (Date.now() - started) / 1000 };
    writeFileSync(path.join(resultsDir, `${result.name}.json`), `${JSON.stringify(withMachine, null, 2)}\n`);
  }
  // The summary covers every result on disk, so `npm run bench -- serve` refreshes one section.
  const sections = collectResults().map((r) => `${table(r)}\n_Measured ${r.machine?.date ?? 'at an unknown date'} on ${r.machine?.cores ?? '?'} cores._\n`);
  const header = [
    '# tinynet benchmarks',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Node ${machine.node}.`,
    'Reproduce: `npm run bench` (or `npm run bench -- <name>` for one section). Ratios compare against the reference measured in the same run.',
    '',
  ];
  writeFileSync(path.join(resultsDir, 'SUMMARY.md'), header.concat(sections).join('\n'));
  process.stdout.write(`${header.concat(sections).join('\n')}\n`);
}

await main();
process.exit(0);
