/**
 * vega-lite specs of the protocol's figures (rendered by core/charts.ts renderChart). Kept apart
 * from TensorFlow.js so `tinynet report` can redraw them from the JSON artifacts alone.
 */
import type { ChartSpec } from './charts.js';
import type { EpochRecord, LrFindFile, MiniGridFile } from './protocol-artifacts.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Raw and smoothed loss against the LR (log scale), with the suggestion and the divergence point marked. */
export function lrFinderSpec(f: LrFindFile): ChartSpec {
  const values = f.points
    .filter((p) => Number.isFinite(p.loss))
    .flatMap((p) => [
      { lr: p.lr, loss: p.loss, series: 'loss' },
      { lr: p.lr, loss: p.smoothed, series: 'smoothed loss' },
    ]);
  const rules = [
    { lr: f.suggested_lr, label: `suggested ${f.suggested_lr.toExponential(2)}`, y: 0 },
    ...(f.diverged_at !== null ? [{ lr: f.diverged_at, label: `diverged ${f.diverged_at.toExponential(2)}`, y: 16 }] : []),
  ];
  return {
    $schema: SCHEMA,
    title: { text: 'LR finder', subtitle: `suggested = steepest descent of the smoothed loss${f.divisor !== 1 ? ` ÷ ${f.divisor}` : ''}` },
    width: 560,
    height: 300,
    layer: [
      {
        data: { values },
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'lr', type: 'quantitative', scale: { type: 'log' }, title: 'learning rate (log scale)', axis: { format: '.0e' } },
          y: { field: 'loss', type: 'quantitative', scale: { zero: false }, title: 'train loss' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom' },
            scale: { domain: ['loss', 'smoothed loss'], range: ['#b8c7d9', '#1f5fa8'] },
          },
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#c0392b' },
        encoding: { x: { field: 'lr', type: 'quantitative' } },
      },
      {
        data: { values: rules },
        mark: { type: 'text', align: 'left', dx: 4, color: '#c0392b', baseline: 'top' },
        encoding: { x: { field: 'lr', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'label' } },
      },
    ],
  } as ChartSpec;
}

/** Final loss of each (LR, weight decay) pair as a heatmap with the value written in each cell. */
export function miniGridSpec(f: MiniGridFile): ChartSpec {
  const values = f.rows.map((r) => ({
    lr: r.lr.toExponential(0),
    wd: r.weight_decay === 0 ? '0' : r.weight_decay.toExponential(0),
    loss: Number.isFinite(r.final_loss) ? r.final_loss : null,
    rank: r.rank,
  }));
  return {
    $schema: SCHEMA,
    title: { text: 'LR × weight decay mini-grid', subtitle: 'final loss (mean of the last quarter of the steps)' },
    data: { values },
    width: { step: 70 },
    height: { step: 36 },
    encoding: {
      x: { field: 'lr', type: 'ordinal', title: 'learning rate', sort: null },
      y: { field: 'wd', type: 'ordinal', title: 'weight decay', sort: null },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'loss', type: 'quantitative', title: 'final loss', scale: { scheme: 'blues', reverse: true } } } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'loss', type: 'quantitative', format: '.3f' } } },
    ],
  } as ChartSpec;
}

export interface CurveSeries {
  run: string;
  /** Runs with the same group share a colour (e.g. `train.lr=0.001` in an overlay). */
  group?: string;
  history: EpochRecord[];
}

/** One panel per metric, one line per run and split: loss and accuracy against the epoch. */
export function curvesSpec(title: string, series: CurveSeries[], metrics: Array<'loss' | 'accuracy' | 'f1'> = ['loss', 'accuracy']): ChartSpec {
  const values = series.flatMap((s) =>
    s.history.flatMap((h) =>
      metrics.flatMap((m) =>
        (['train', 'val'] as const)
          .map((split) => ({
            run: s.run,
            group: s.group ?? s.run,
            split,
            metric: m,
            epoch: h.epoch,
            value: (h as unknown as Record<string, number>)[`${split}/${m}`],
          }))
          .filter((v) => Number.isFinite(v.value)),
      ),
    ),
  );
  const many = series.length > 1;
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: metrics } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 300,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
        color: many ? { field: 'group', type: 'nominal', title: null } : { field: 'split', type: 'nominal', title: 'split' },
        strokeDash: {
          field: 'split',
          type: 'nominal',
          title: 'split',
          scale: {
            domain: ['train', 'val'],
            range: [
              [1, 0],
              [5, 3],
            ],
          },
        },
        detail: { field: 'run', type: 'nominal' },
      },
    },
  } as ChartSpec;
}

/** The grid's trials ranked by the metric, as horizontal bars. */
export function gridBarsSpec(metric: string, rows: Array<{ trial: string; value: number | null; rank: number }>): ChartSpec {
  const values = rows.filter((r) => r.value !== null).map((r) => ({ trial: `#${r.rank} ${r.trial}`, value: r.value, rank: r.rank }));
  return {
    $schema: SCHEMA,
    title: `Grid trials by ${metric}`,
    data: { values },
    width: 420,
    height: { step: 22 },
    mark: 'bar',
    encoding: {
      y: { field: 'trial', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { labelLimit: 360 } },
      x: { field: 'value', type: 'quantitative', title: metric },
    },
  } as ChartSpec;
}
