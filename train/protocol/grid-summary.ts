/** The ranked table of a grid's finished trials: summary.json, .csv, .md and the bar chart. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config/index.js';
import { toCsv } from '../../core/csv.js';
import { renderChart } from '../../core/charts.js';
import { gridBarsSpec } from '../../core/protocol-charts.js';
import { gridPaths, type GridSummaryFile, type GridSummaryRow, type GridTrialResult } from '../../core/protocol-artifacts.js';
import { lowerIsBetter } from '../../core/monitored-metric.js';
import { writeFileAtomicSync } from '../../core/atomic.js';
import type { Trial } from './grid-trials.js';

export interface SummaryFiles {
  json: string;
  csv: string;
  md: string;
  png: string | null;
}

/** Rank what finished (trials without a result last, with `status` saying why) and write the four files. */
export async function writeSummary(
  config: Config,
  trials: Trial[],
  status: Map<string, string>,
  command: string,
): Promise<{ summary: GridSummaryFile; files: SummaryFiles }> {
  const gp = gridPaths(path.join(config.paths.runs, 'grid'), config.grid.name);
  const summary = summarize(config, trials, gp, status, command);
  const files: SummaryFiles = { json: gp.summaryJson, csv: gp.summaryCsv, md: gp.summaryMd, png: null };
  writeFileAtomicSync(files.json, `${JSON.stringify(summary, null, 1)}\n`);
  writeFileAtomicSync(files.csv, summaryCsv(summary));
  writeFileAtomicSync(files.md, summaryMarkdown(summary));
  if (summary.rows.some((r) => r.value !== null))
    files.png = await renderChart(gridBarsSpec(config.grid.metric, summary.rows), path.join(gp.dir, 'summary.png'));
  return { summary, files };
}

function summarize(config: Config, trials: Trial[], gp: ReturnType<typeof gridPaths>, status: Map<string, string>, command: string): GridSummaryFile {
  const g = config.grid;
  const rows: Omit<GridSummaryRow, 'rank'>[] = trials.map((t) => {
    const file = gp.trialResult(t.name);
    if (!existsSync(file)) return { trial: t.name, params: t.params, value: null, best_epoch: null, final: {}, status: status.get(t.name) ?? 'not run' };
    const r = JSON.parse(readFileSync(file, 'utf8')) as GridTrialResult;
    return { trial: t.name, params: t.params, value: r.value, best_epoch: r.best_epoch, final: r.history.at(-1) ?? {}, status: r.stop_reason };
  });
  const lower = lowerIsBetter(g.metric);
  const key = (v: number | null) => (v === null ? Infinity : lower ? v : -v);
  rows.sort((a, b) => key(a.value) - key(b.value));
  return {
    kind: 'tinynet-grid-summary',
    name: g.name,
    created_at: new Date().toISOString(),
    metric: g.metric,
    keys: Object.keys(g.params),
    epochs: g.epochs,
    max_steps_per_epoch: g.max_steps_per_epoch,
    seed: config.seed,
    rows: rows.map((r, i) => ({ rank: i + 1, ...r })),
    command,
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
const FINAL = ['train/loss', 'train/accuracy', 'val/loss', 'val/accuracy', 'val/f1'] as const;

export function summaryCsv(s: GridSummaryFile): string {
  const cols = ['rank', 'trial', ...s.keys, s.metric, 'best_epoch', ...FINAL.map((k) => `final ${k}`), 'status'];
  return toCsv(
    cols,
    s.rows.map((r) => [r.rank, r.trial, ...s.keys.map((k) => r.params[k]), num(r.value), r.best_epoch, ...FINAL.map((k) => num(r.final[k])), r.status]),
  );
}

export function summaryMarkdown(s: GridSummaryFile): string {
  const f = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—');
  const head = ['rank', 'trial', ...s.keys.map((k) => `\`${k}\``), `**${s.metric}** (best)`, 'epoch', 'val/loss (last)', 'train/loss (last)', 'status'];
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 1 ? ':--' : '--:')).join(' | ')} |`,
    ...s.rows.map((r) => {
      const cells = [r.rank, r.trial, ...s.keys.map((k) => JSON.stringify(r.params[k])), f(r.value), r.best_epoch ?? '—'];
      const losses = [f(r.final['val/loss']), f(r.final['train/loss'])];
      return `| ${[...cells, ...losses, r.status].join(' | ')} |`;
    }),
  ];
  return (
    `# Grid \`${s.name}\`: ${s.rows.length} trials ranked by ${s.metric}\n\n` +
    `Budget per trial: ${s.epochs} epochs${s.max_steps_per_epoch ? `, at most ${s.max_steps_per_epoch} steps each` : ''}; seed ${s.seed} for every trial.\n\n` +
    lines.join('\n') +
    '\n'
  );
}

/** A headline, the ranking as a terminal table, and the files written. */
export function formatRanking(headline: string, s: GridSummaryFile, files: SummaryFiles): string {
  return [
    headline,
    '',
    `rank  ${s.metric.padEnd(12)}  trial`,
    ...s.rows.map((r) => `${String(r.rank).padStart(4)}  ${(r.value === null ? r.status : r.value.toFixed(4)).padEnd(12)}  ${r.trial}`),
    '',
    `wrote ${files.md}`,
    `wrote ${files.csv}`,
    ...(files.png ? [`wrote ${files.png}`] : []),
  ].join('\n');
}
