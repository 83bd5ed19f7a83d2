import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../../core/config/index.js';
import type { Logger } from '../../core/log.js';
import { TinynetError } from '../../core/errors.js';
import { EventWriter } from '../../core/tensorboard/index.js';
import type { LrFindFile, LrPoint, MiniGridFile, MiniGridRow } from '../../core/protocol-artifacts.js';
import type { DataProvider } from '../data/provider.js';
import type { Callback } from '../loop/callback.js';
import { fit } from '../loop/trainer.js';

/** `count` LRs from `min` to `max`, evenly spaced on a log scale. */
export function exponentialLrs(min: number, max: number, count: number): number[] {
  if (count === 1) return [min];
  return Array.from({ length: count }, (_, i) => min * (max / min) ** (i / (count - 1)));
}

/** Exponential moving average with bias correction (Adam's): the first values are not pulled towards 0. */
export function smoothLosses(losses: number[], beta: number): number[] {
  let avg = 0;
  return losses.map((loss, i) => {
    avg = beta * avg + (1 - beta) * loss;
    return avg / (1 - beta ** (i + 1));
  });
}

/** Slope of y against log10(x) at every point (central differences inside, one-sided at the ends). */
export function logSlopes(xs: number[], ys: number[]): number[] {
  const lx = xs.map(Math.log10);
  const n = xs.length;
  return ys.map((_, i) => {
    if (n < 2) return 0;
    const a = i === 0 ? 0 : i - 1;
    const b = i === n - 1 ? n - 1 : i + 1;
    return (ys[b] - ys[a]) / (lx[b] - lx[a]);
  });
}

export interface Suggestion {
  steepest: { lr: number; slope: number; index: number };
  best: { lr: number; smoothed: number; index: number };
  suggested: number;
  rule: string;
}

/**
 * The suggestion rule: among the points before the smoothed loss reached its minimum (the part of
 * the curve that descends; points after divergence are never in the sweep), take the LR where the
 * smoothed loss falls fastest per decade of LR, then divide it by `divisor`.
 */
export function suggestLr(points: Array<{ lr: number; smoothed: number }>, divisor: number): Suggestion {
  const xs = points.map((p) => p.lr);
  const ys = points.map((p) => p.smoothed);
  let bestIdx = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i] < ys[bestIdx]) bestIdx = i;
  const slopes = logSlopes(xs, ys);
  // The descending part; when the loss only rises, the whole curve (the least steep rise wins).
  const end = bestIdx >= 1 ? bestIdx : ys.length - 1;
  let steep = 0;
  for (let i = 0; i <= end; i++) if (slopes[i] < slopes[steep]) steep = i;
  const suggested = xs[steep] / divisor;
  const rule =
    `suggested LR = LR of the steepest descent of the smoothed loss (most negative d loss / d log10 LR, before the smoothed minimum)` +
    (divisor !== 1 ? ` divided by ${divisor} (lr_finder.suggestion_divisor)` : ' (lr_finder.suggestion_divisor = 1: not divided)');
  return { steepest: { lr: xs[steep], slope: slopes[steep], index: steep }, best: { lr: xs[bestIdx], smoothed: ys[bestIdx], index: bestIdx }, suggested, rule };
}

/** The config a short probe trains with: constant LR, no early stopping, enough epochs for `steps`. */
function probeConfig(config: Config, data: DataProvider, steps: number, over: { lr?: number; weight_decay?: number } = {}): Config {
  const c = structuredClone(config);
  const perEpoch = Math.ceil(data.trainSize / c.train.batch_size);
  c.train.max_steps_per_epoch = 0;
  c.train.epochs = Math.max(1, Math.ceil(steps / perEpoch));
  c.train.schedule = { ...c.train.schedule, name: 'constant' };
  c.train.early_stopping = { ...c.train.early_stopping, enabled: false };
  if (over.lr !== undefined) c.train.lr = over.lr;
  if (over.weight_decay !== undefined) c.train.weight_decay = over.weight_decay;
  return c;
}

/** The probes only train: their validation would cost time and tell nothing. */
const withoutValidation = (data: DataProvider): DataProvider => ({ ...data, valSize: 0, valBatches: () => [] });

export interface LrFindOptions {
  config: Config;
  configHash: string;
  data: DataProvider;
  buildModel: () => tf.LayersModel;
  /** TensorBoard folder (scalars lr_find/lr, lr_find/loss, lr_find/smoothed_loss per step). */
  tensorboardDir?: string;
  command: string;
  log?: Logger;
}

/**
 * Seed M4: train from the run's initialization while the LR grows exponentially from min_lr to
 * max_lr over `steps` steps; smooth the loss; stop once the smoothed loss exceeds diverge_factor ×
 * its best (or turns non-finite); suggest an LR by the rule of `suggestLr`.
 */
export async function runLrFind(opts: LrFindOptions): Promise<LrFindFile> {
  const { config, data } = opts;
  const f = config.lr_finder;
  const lrs = exponentialLrs(f.min_lr, f.max_lr, f.steps);
  const c = probeConfig(config, data, f.steps, { lr: f.min_lr });
  const points: LrPoint[] = [];
  let avg = 0;
  let best = Infinity;
  let divergedAt: number | null = null;
  const writer = opts.tensorboardDir ? new EventWriter(opts.tensorboardDir) : null;
  const recorder: Callback = {
    name: 'lr_finder',
    onBatchEnd(ctx, info) {
      const i = points.length;
      if (!Number.isFinite(info.loss)) {
        divergedAt = info.lr;
        ctx.requestStop('callback', `loss ${info.loss} at lr ${info.lr.toExponential(2)}`);
        return;
      }
      avg = f.smoothing * avg + (1 - f.smoothing) * info.loss;
      const smoothed = f.smoothing > 0 ? avg / (1 - f.smoothing ** (i + 1)) : info.loss;
      points.push({ step: i, lr: info.lr, loss: info.loss, smoothed });
      writer?.scalar('lr_find/lr', info.lr, i);
      writer?.scalar('lr_find/loss', info.loss, i);
      writer?.scalar('lr_find/smoothed_loss', smoothed, i);
      if (i > 0 && smoothed > f.diverge_factor * best) {
        divergedAt = info.lr;
        ctx.requestStop('callback', `smoothed loss ${smoothed.toFixed(3)} > ${f.diverge_factor} × best ${best.toFixed(3)} at lr ${info.lr.toExponential(2)}`);
      }
      best = Math.min(best, smoothed);
      if (points.length >= lrs.length) ctx.requestStop('callback', 'sweep complete');
      if (points.length % 10 === 0)
        opts.log?.info(
          `lr-find step ${points.length}/${lrs.length}: lr ${info.lr.toExponential(2)} loss ${info.loss.toFixed(4)} smoothed ${smoothed.toFixed(4)}`,
        );
    },
  };
  const model = opts.buildModel();
  try {
    await fit({
      model,
      config: c,
      configHash: opts.configHash,
      data: withoutValidation(data),
      callbacks: [recorder],
      lrSchedule: (step) => lrs[Math.min(step, lrs.length - 1)],
    });
  } finally {
    model.dispose();
    writer?.close();
  }
  if (points.length < 2) {
    throw new TinynetError(
      'lr_find.too_short',
      `the LR sweep stopped after ${points.length} step(s): the loss diverged at once (lr ${f.min_lr})`,
      'lower lr_finder.min_lr',
    );
  }
  // Points after divergence are kept for the plot but never suggested.
  const usable = divergedAt !== null ? points.slice(0, -1) : points;
  const s = suggestLr(usable.length >= 2 ? usable : points, f.suggestion_divisor);
  return {
    kind: 'tinynet-lr-find',
    created_at: new Date().toISOString(),
    min_lr: f.min_lr,
    max_lr: f.max_lr,
    steps_planned: f.steps,
    smoothing: f.smoothing,
    diverge_factor: f.diverge_factor,
    points,
    diverged_at: divergedAt,
    best: { lr: s.best.lr, smoothed: s.best.smoothed },
    steepest: { lr: s.steepest.lr, slope: s.steepest.slope },
    divisor: f.suggestion_divisor,
    suggested_lr: s.suggested,
    rule: s.rule,
    command: opts.command,
  };
}

export function formatLrFind(r: LrFindFile): string {
  return [
    `LR sweep ${r.min_lr.toExponential(1)} → ${r.max_lr.toExponential(1)} over ${r.steps_planned} steps: ran ${r.points.length} steps` +
      (r.diverged_at !== null
        ? `, diverged at lr ${r.diverged_at.toExponential(2)} (smoothed loss > ${r.diverge_factor} × best, or non-finite)`
        : ', no divergence'),
    `lowest smoothed loss ${r.best.smoothed.toFixed(4)} at lr ${r.best.lr.toExponential(2)}`,
    `steepest descent ${r.steepest.slope.toFixed(4)} per decade at lr ${r.steepest.lr.toExponential(2)}`,
    `suggested lr ${r.suggested_lr.toExponential(2)}`,
    `rule: ${r.rule}`,
  ].join('\n');
}

/** Mean of the last quarter of the steps: one noisy batch does not decide the ranking. */
export function finalLoss(losses: number[]): number {
  if (losses.length === 0 || losses.some((l) => !Number.isFinite(l))) return NaN;
  const k = Math.max(1, Math.round(losses.length / 4));
  const tail = losses.slice(-k);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

export const MINI_GRID_RULE =
  'final loss = mean train loss over the last quarter of the steps; every pair starts from the same initialization and sees the same batches; lower ' +
  'is better; non-finite losses rank last';

/**
 * The course report's mini-grid (M4): for every LR × weight decay pair, a few steps from the same
 * initialization (same seed, same batches), ranked by the final train loss.
 */
export async function runMiniGrid(opts: LrFindOptions): Promise<MiniGridFile> {
  const { config, data } = opts;
  const g = config.lr_finder.mini_grid;
  const rows: Omit<MiniGridRow, 'rank'>[] = [];
  for (const lr of g.lrs) {
    for (const wd of g.weight_decays) {
      const losses: number[] = [];
      const c = probeConfig(config, data, g.steps, { lr, weight_decay: wd });
      const recorder: Callback = {
        name: 'mini_grid',
        onBatchEnd(ctx, info) {
          losses.push(info.loss);
          if (losses.length >= g.steps || !Number.isFinite(info.loss)) ctx.requestStop('callback', 'probe done');
        },
      };
      const model = opts.buildModel();
      try {
        await fit({ model, config: c, configHash: opts.configHash, data: withoutValidation(data), callbacks: [recorder] });
      } finally {
        model.dispose();
      }
      const final = finalLoss(losses);
      rows.push({ lr, weight_decay: wd, final_loss: final, losses, diverged: !Number.isFinite(final) });
      opts.log?.info(`mini-grid lr ${lr.toExponential(1)} wd ${wd}: final loss ${final.toFixed(4)}`);
      if (opts.tensorboardDir) writeMiniGridRun(opts.tensorboardDir, lr, wd, losses, final);
    }
  }
  const ranked = [...rows].sort(
    (a, b) => (Number.isFinite(a.final_loss) ? a.final_loss : Infinity) - (Number.isFinite(b.final_loss) ? b.final_loss : Infinity),
  );
  return {
    kind: 'tinynet-lr-mini-grid',
    created_at: new Date().toISOString(),
    steps: g.steps,
    rule: MINI_GRID_RULE,
    rows: ranked.map((r, i) => ({ rank: i + 1, ...r })),
    command: opts.command,
  };
}

/** One TensorBoard run per pair (`<dir>/mini-grid/lr=..,wd=..`), with its HParams session and loss curve. */
function writeMiniGridRun(dir: string, lr: number, wd: number, losses: number[], final: number): void {
  const w = new EventWriter(`${dir}/mini-grid/lr=${lr},wd=${wd}`);
  const hp = { 'train.lr': lr, 'train.weight_decay': wd };
  w.hparamsExperiment(hp, [{ tag: 'mini_grid/final_loss', dataset: 'training' }]);
  w.hparamsSessionStart(hp);
  losses.forEach((l, i) => {
    if (Number.isFinite(l)) w.scalar('mini_grid/loss', l, i);
  });
  if (Number.isFinite(final)) w.scalar('mini_grid/final_loss', final, losses.length);
  w.hparamsSessionEnd(Number.isFinite(final) ? 'success' : 'failure');
  w.close();
}

export function formatMiniGrid(m: MiniGridFile): string {
  const lines = [`mini-grid: ${m.rows.length} pairs × ${m.steps} steps`, 'rank  lr         weight_decay  final loss'];
  for (const r of m.rows)
    lines.push(
      `${String(r.rank).padStart(4)}  ${r.lr.toExponential(2).padEnd(9)}  ${String(r.weight_decay).padEnd(12)}  ` +
        `${Number.isFinite(r.final_loss) ? r.final_loss.toFixed(4) : 'diverged'}`,
    );
  lines.push(`rule: ${m.rule}`);
  return lines.join('\n');
}
