/** The trials of a grid: the cartesian product in a fixed order, their folder names, their best metric. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TinynetError } from '../../core/errors.js';
import type { EpochRecord, HistoryFile } from '../../core/protocol-artifacts.js';
import { lowerIsBetter } from '../../core/monitored-metric.js';
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
  if (keys.length === 0)
    throw new TinynetError(
      'grid.empty',
      'grid.params is empty: nothing to search',
      'add keys to the grid: section, e.g. grid.params: {"train.lr": [1e-4, 3e-4]}',
    );
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
