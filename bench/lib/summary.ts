/** bench/results/SUMMARY.md: one Markdown table per saved result, under the machine of this run. */
import type { Machine, SavedResult } from './results-file.js';
import type { BenchRow } from './types.js';

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function table(result: SavedResult): string {
  const rows = result.results.map(
    (r: BenchRow) =>
      `| ${r.case} | ${fmt(r.value)} ${r.unit} | ${r.reference ?? ''} | ${r.referenceValue !== undefined ? `${fmt(r.referenceValue)} ${r.unit}` : ''} ` +
      `| ${fmt(r.ratio)} |`,
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

export function summaryMarkdown(results: SavedResult[], machine: Machine): string {
  const sections = results.map((r) => `${table(r)}\n_Measured ${r.machine?.date ?? 'at an unknown date'} on ${r.machine?.cores ?? '?'} cores._\n`);
  const header = [
    '# tinynet benchmarks',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Node ${machine.node}.`,
    'Reproduce: `npm run bench` (or `npm run bench -- <name>` for one section). Ratios compare against the reference measured in the same run.',
    '',
  ];
  return header.concat(sections).join('\n');
}
