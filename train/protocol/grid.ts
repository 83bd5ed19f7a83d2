import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../../core/config/index.js';
import { loadConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { toCsv } from '../../core/csv.js';
import { renderChart } from '../../core/charts.js';
import { gridBarsSpec } from '../../core/protocol-charts.js';
import { lowerIsBetter } from '../../core/monitored-metric.js';
import {
  gridPaths,
  type EpochRecord, type GridSummaryFile, type GridSummaryRow, type GridTrialResult, type HistoryFile,
} from '../../core/protocol-artifacts.js';
import { writeFileAtomicSync } from '../../core/atomic.js';
import { decodeCheckpoint } from '../checkpoint/format.js';

export interface Trial {
  name: string;
  params: Record<string, unknown>;
  /** `key=value` overrides (values as YAML/JSON, what `--set` reads). */
  sets: string[];
}

const valueText = (v: unknown) => (Array.isArray(v) ? v.join('-') : String(v));

/**
 * A folder name made from the parameters only (so a re-run finds the same trial): the last part
 * of each key with its value, e.g. `lr=0.001_dropout=0.1`; long names keep a readable prefix and a hash.
 */
export function trialName(params: Record<string, unknown>): string {
  const keys = Object.keys(params);
  const tails = keys.map((k) => k.split('.').at(-1)!);
  const parts = keys.map((k, i) => `${tails.filter((t) => t === tails[i]).length > 1 ? k : tails[i]}=${valueText(params[k])}`);
  const slug = parts.join('_').replace(/[^\w.=+-]/g, '-');
  if (slug.length <= 96) return slug;
  const hash = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 8);
  return `${slug.slice(0, 80)}-${hash}`;
}

/** The cartesian product of `grid.params`, first key varying slowest. */
export function expandGrid(params: Record<string, unknown[]>): Trial[] {
  const keys = Object.keys(params);
  if (keys.length === 0) throw new TinynetError('grid.empty', 'grid.params is empty: nothing to search', 'add keys to the grid: section, e.g. grid.params: {"train.lr": [1e-4, 3e-4]}');
  let combos: Array<Record<string, unknown>> = [{}];
  for (const k of keys) combos = combos.flatMap((c) => params[k].map((v) => ({ ...c, [k]: v })));
  return combos.map((p) => ({ name: trialName(p), params: p, sets: Object.entries(p).map(([k, v]) => `${k}=${JSON.stringify(v)}`) }));
}

/** Best value of `metric` over the epochs and the epoch it came from. */
export function bestOf(history: EpochRecord[], metric: string): { value: number | null; epoch: number | null } {
  let value: number | null = null;
  let epoch: number | null = null;
  const lower = lowerIsBetter(metric);
  for (const h of history) {
    const v = (h as unknown as Record<string, number>)[metric];
    if (!Number.isFinite(v)) continue;
    if (value === null || (lower ? v < value : v > value)) {
      value = v;
      epoch = h.epoch;
    }
  }
  return { value, epoch };
}

/** The finished trial's history: history.json when the trainer wrote it, else last.ckpt's header. */
export function readTrialHistory(artifactsDir: string): { history: EpochRecord[]; stopReason: string } | null {
  const hist = path.join(artifactsDir, 'history.json');
  if (existsSync(hist)) {
    const h = JSON.parse(readFileSync(hist, 'utf8')) as HistoryFile;
    return { history: h.history, stopReason: h.stop_reason ?? 'completed' };
  }
  const last = path.join(artifactsDir, 'last.ckpt');
  if (existsSync(last)) {
    const { header } = decodeCheckpoint(readFileSync(last), last);
    return { history: (header.history as EpochRecord[]) ?? [], stopReason: 'completed' };
  }
  return null;
}

export interface GridOptions {
  config: Config;
  /** The config file the trials load (null = built-in defaults) and the user's extra --set. */
  configFile: string | null;
  baseSets: string[];
  /** dist/cli/main.js of this tinynet. */
  cliPath: string;
  command: string;
  log?: Logger;
  /** Stop after this many trials ran in this call (tests simulate an interruption with it). */
  maxTrials?: number;
  /** Working directory the trials run in (relative config paths resolve against it); default process.cwd(). */
  cwd?: string;
}

export interface GridOutcome {
  summary: GridSummaryFile;
  ran: string[];
  skipped: string[];
  failed: string[];
  interrupted: boolean;
  files: { json: string; csv: string; md: string; png: string | null };
}

/**
 * Seed M5: every combination of grid.params trained by its own `tinynet train` process with the
 * same seed and the short budget (grid.epochs, grid.max_steps_per_epoch), under
 * `<paths.runs>/grid/<grid.name>/<trial>/` (TensorBoard events with HParams there, checkpoints in
 * `artifacts/`, the child's log in `train.log`). A trial is done when its `result.json` exists
 * with the same parameters: a re-run skips it, so an interrupted grid resumes where it stopped.
 */
export async function runGrid(opts: GridOptions): Promise<GridOutcome> {
  const { config } = opts;
  const g = config.grid;
  const gp = gridPaths(path.join(config.paths.runs, 'grid'), g.name);
  const trials = expandGrid(g.params);
  // Validate every trial's config before the first process starts: a typo fails in a second, not an hour in.
  const budget = [`train.epochs=${g.epochs}`, `train.max_steps_per_epoch=${g.max_steps_per_epoch}`];
  for (const t of trials) {
    try {
      loadConfig(opts.configFile, [...opts.baseSets, ...t.sets, ...budget], opts.cwd);
    } catch (err) {
      if (err instanceof TinynetError) throw new TinynetError('grid.bad_trial', `grid trial ${t.name}: ${err.message}`, 'fix grid.params (dotted config keys → lists of values)');
      throw err;
    }
  }
  mkdirSync(gp.dir, { recursive: true });
  const ran: string[] = [];
  const skipped: string[] = [];
  const failed: string[] = [];
  const status = new Map<string, string>();
  let interrupted = false;
  let child: ReturnType<typeof spawn> | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = true;
    opts.log?.warn(`${sig}: stopping the grid after the running trial is saved; run the same command again to resume`);
    child?.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const [i, t] of trials.entries()) {
      if (interrupted) break;
      const resultFile = gp.trialResult(t.name);
      if (existsSync(resultFile)) {
        const done = JSON.parse(readFileSync(resultFile, 'utf8')) as GridTrialResult;
        if (isDeepStrictEqual(done.params, t.params) && done.metric === g.metric) {
          skipped.push(t.name);
          opts.log?.info(`[${i + 1}/${trials.length}] ${t.name}: finished earlier, skipped`);
          continue;
        }
      }
      if (opts.maxTrials !== undefined && ran.length + failed.length >= opts.maxTrials) {
        interrupted = true;
        break;
      }
      const dir = gp.trialDir(t.name);
      rmSync(dir, { recursive: true, force: true }); // an unfinished attempt starts over
      mkdirSync(dir, { recursive: true });
      const artifacts = path.join(dir, 'artifacts');
      const args = [
        opts.cliPath, 'train',
        ...(opts.configFile ? ['--config', opts.configFile] : []),
        ...[...opts.baseSets, ...t.sets, ...budget, `paths.artifacts=${artifacts}`, `paths.runs=${gp.dir}`, `train.experiment=${t.name}`].flatMap((s) => ['--set', s]),
      ];
      const commandText = `tinynet ${args.slice(1).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
      opts.log?.info(`[${i + 1}/${trials.length}] ${t.name}: training (${g.epochs} epochs${g.max_steps_per_epoch ? ` × ≤ ${g.max_steps_per_epoch} steps` : ''}); log in ${path.join(dir, 'train.log')}`);
      const started = performance.now();
      const logFd = openSync(path.join(dir, 'train.log'), 'a');
      let code: number | null;
      let signal: NodeJS.Signals | null;
      try {
        ({ code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
          child = spawn(process.execPath, args, { cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', logFd, logFd], env: { ...process.env, TINYNET_LOG: process.env.TINYNET_GRID_CHILD_LOG ?? 'info' } });
          child.on('error', reject);
          child.on('exit', (c, s) => resolve({ code: c, signal: s }));
        }));
      } finally {
        child = null;
        closeSync(logFd);
      }
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        if (interrupted || code === 130 || signal) {
          interrupted = true;
          status.set(t.name, 'interrupted');
          break;
        }
        failed.push(t.name);
        status.set(t.name, `failed (exit ${code}, see train.log)`);
        opts.log?.warn(`${t.name}: train exited with code ${code}; see ${path.join(dir, 'train.log')}`);
        continue;
      }
      const read = readTrialHistory(artifacts);
      if (!read) {
        failed.push(t.name);
        status.set(t.name, 'failed (no history written)');
        continue;
      }
      const best = bestOf(read.history, g.metric);
      const result: GridTrialResult = {
        kind: 'tinynet-grid-trial',
        trial: t.name,
        params: t.params,
        metric: g.metric,
        value: best.value,
        best_epoch: best.epoch,
        stop_reason: read.stopReason,
        seconds,
        history: read.history,
        command: commandText,
        finished_at: new Date().toISOString(),
      };
      writeFileAtomicSync(resultFile, JSON.stringify(result, null, 1) + '\n');
      ran.push(t.name);
      opts.log?.info(`${t.name}: ${g.metric} ${best.value?.toFixed(4) ?? 'n/a'} (epoch ${best.epoch ?? '-'}) in ${seconds.toFixed(1)} s`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const summary = summarize(config, trials, gp, status, opts.command);
  const files = { json: gp.summaryJson, csv: gp.summaryCsv, md: gp.summaryMd, png: null as string | null };
  writeFileAtomicSync(files.json, JSON.stringify(summary, null, 1) + '\n');
  writeFileAtomicSync(files.csv, summaryCsv(summary));
  writeFileAtomicSync(files.md, summaryMarkdown(summary));
  if (summary.rows.some((r) => r.value !== null)) files.png = await renderChart(gridBarsSpec(g.metric, summary.rows), path.join(gp.dir, 'summary.png'));
  return { summary, ran, skipped, failed, interrupted, files };
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
  return toCsv(cols, s.rows.map((r) => [r.rank, r.trial, ...s.keys.map((k) => r.params[k]), num(r.value), r.best_epoch, ...FINAL.map((k) => num(r.final[k])), r.status]));
}

export function summaryMarkdown(s: GridSummaryFile): string {
  const f = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—');
  const head = ['rank', 'trial', ...s.keys.map((k) => `\`${k}\``), `**${s.metric}** (best)`, 'epoch', 'val/loss (last)', 'train/loss (last)', 'status'];
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 1 ? ':--' : '--:')).join(' | ')} |`,
    ...s.rows.map((r) => `| ${[r.rank, r.trial, ...s.keys.map((k) => JSON.stringify(r.params[k])), f(r.value), r.best_epoch ?? '—', f(r.final['val/loss']), f(r.final['train/loss']), r.status].join(' | ')} |`),
  ];
  return `# Grid \`${s.name}\`: ${s.rows.length} trials ranked by ${s.metric}\n\n` +
    `Budget per trial: ${s.epochs} epochs${s.max_steps_per_epoch ? `, at most ${s.max_steps_per_epoch} steps each` : ''}; seed ${s.seed} for every trial.\n\n` +
    lines.join('\n') + '\n';
}

export function formatGrid(o: GridOutcome): string {
  const s = o.summary;
  const lines = [
    `grid ${s.name}: ${s.rows.length} trials (${o.ran.length} run now, ${o.skipped.length} finished earlier, ${o.failed.length} failed)${o.interrupted ? ' — INTERRUPTED: run the same command again to resume' : ''}`,
    '',
    `rank  ${s.metric.padEnd(12)}  trial`,
    ...s.rows.map((r) => `${String(r.rank).padStart(4)}  ${(r.value === null ? r.status : r.value.toFixed(4)).padEnd(12)}  ${r.trial}`),
    '',
    `wrote ${o.files.md}`,
    `wrote ${o.files.csv}`,
    ...(o.files.png ? [`wrote ${o.files.png}`] : []),
  ];
  return lines.join('\n');
}
