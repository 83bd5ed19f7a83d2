import path from 'node:path';
import type { ChartSpec } from '../core/charts.js';
import { renderChart } from '../core/charts.js';
import { SPLITS, type DatasetMeta, type SplitName } from './cache.js';
import { writeFileAtomic } from '../core/atomic.js';
import type { SplitStats } from '../core/protocol-artifacts.js';

/** What the course report asks about the data: D2 (split sizes, classes), D4 (distribution), D5 (particularities). */
export interface DatasetStats {
  source: DatasetMeta['source'];
  input_shape: DatasetMeta['input_shape'];
  num_classes: number;
  splits: Record<SplitName, SplitStats>;
  split: DatasetMeta['split'];
  grayscale_total: number;
  grayscale_fraction: number;
  mean: DatasetMeta['mean'];
  std: DatasetMeta['std'];
  per_class: { id: number; wnid: string; name: string; train: number; val: number; test: number }[];
}

export function computeStats(meta: DatasetMeta): DatasetStats {
  const split = (s: SplitName): SplitStats => {
    const counts = meta.per_class[s];
    const present = counts.filter((c) => c > 0);
    const mean = present.reduce((a, b) => a + b, 0) / Math.max(1, present.length);
    const std = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, present.length));
    const min = present.length ? Math.min(...present) : 0;
    const max = present.length ? Math.max(...present) : 0;
    return {
      size: meta.splits[s].size,
      classes_present: present.length,
      per_class: { min, max, mean, std },
      imbalance_ratio: min > 0 ? max / min : 0,
      imbalance_cv: mean > 0 ? std / mean : 0,
      grayscale: meta.grayscale[s],
      image_sizes: meta.image_sizes[s],
    };
  };
  const total = SPLITS.reduce((a, s) => a + meta.splits[s].size, 0);
  return {
    source: meta.source,
    input_shape: meta.input_shape,
    num_classes: meta.num_classes,
    splits: { train: split('train'), val: split('val'), test: split('test') },
    split: meta.split,
    grayscale_total: meta.grayscale.total,
    grayscale_fraction: total > 0 ? meta.grayscale.total / total : 0,
    mean: meta.mean,
    std: meta.std,
    per_class: meta.classes.map((c) => ({
      id: c.id,
      wnid: c.wnid,
      name: c.name,
      train: meta.per_class.train[c.id],
      val: meta.per_class.val[c.id],
      test: meta.per_class.test[c.id],
    })),
  };
}

const f4 = (v: number) => v.toFixed(4);

export function formatStats(s: DatasetStats): string {
  const lines: string[] = [];
  lines.push(`source      ${s.source.kind} ${s.source.path}`);
  lines.push(`input       ${s.input_shape.join('×')} uint8 RGB (H×W×C), ${s.num_classes} classes`);
  lines.push(`split       test = stratified ${s.split.test_ratio} of train (seed ${s.split.seed}); val = source val split`);
  lines.push('');
  lines.push('split   images  classes  per class min/mean/max   imbalance max/min  cv      grayscale  source sizes');
  for (const name of SPLITS) {
    const x = s.splits[name];
    const sizes = Object.entries(x.image_sizes)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    lines.push(
      `${name.padEnd(6)}  ${String(x.size).padStart(6)}  ${String(x.classes_present).padStart(7)}  ` +
        `${`${x.per_class.min}/${x.per_class.mean.toFixed(1)}/${x.per_class.max}`.padStart(20)}   ${x.imbalance_ratio.toFixed(3).padStart(17)}  ` +
        `${x.imbalance_cv.toFixed(3)}  ${String(x.grayscale).padStart(9)}  ${sizes}`,
    );
  }
  lines.push('');
  lines.push(`grayscale   ${s.grayscale_total} images stored single-channel (${(100 * s.grayscale_fraction).toFixed(2)} %), expanded to RGB`);
  lines.push(`mean (RGB)  ${s.mean.map(f4).join(', ')}   (train split, pixels in [0,1])`);
  lines.push(`std  (RGB)  ${s.std.map(f4).join(', ')}`);
  return lines.join('\n');
}

/** Stacked bars of images per class and split; class names on the axis when they fit. */
export function classDistributionSpec(s: DatasetStats): ChartSpec {
  const named = s.num_classes <= 40;
  const values = s.per_class.flatMap((c) =>
    (['train', 'test', 'val'] as const).map((split) => ({ class: named ? `${c.id} ${c.name.split(',')[0]}` : c.id, id: c.id, split, count: c[split] })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Class distribution (${s.num_classes} classes)`,
      subtitle:
        `train ${s.splits.train.size} · test ${s.splits.test.size} · val ${s.splits.val.size} images; imbalance max/min (train) ` +
        `${s.splits.train.imbalance_ratio.toFixed(2)}`,
    },
    width: Math.min(1400, Math.max(360, s.num_classes * (named ? 22 : 6))),
    height: 260,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: named
        ? { field: 'class', type: 'nominal', sort: { field: 'id' }, title: 'class', axis: { labelAngle: -45, labelLimit: 200 } }
        : { field: 'class', type: 'ordinal', title: 'class id', axis: { labelAngle: 0, values: s.per_class.filter((c) => c.id % 20 === 0).map((c) => c.id) } },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'images' },
      color: { field: 'split', type: 'nominal', scale: { domain: ['train', 'test', 'val'] }, title: 'split' },
      order: { field: 'split', sort: 'ascending' },
    },
  } as ChartSpec;
}

/** Write stats.json and class-distribution.png into `outDir`. */
export async function writeStats(meta: DatasetMeta, outDir: string): Promise<{ stats: DatasetStats; json: string; png: string }> {
  const stats = computeStats(meta);
  const json = path.join(outDir, 'stats.json');
  await writeFileAtomic(json, `${JSON.stringify(stats, null, 1)}\n`);
  const png = await renderChart(classDistributionSpec(stats), path.join(outDir, 'class-distribution.png'));
  return { stats, json, png };
}
