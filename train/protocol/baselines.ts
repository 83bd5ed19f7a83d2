import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MetricsAccumulator } from '../../core/metrics.js';
import { Rng } from '../../core/rng.js';
import { TinynetError } from '../../core/errors.js';
import type { Config } from '../../core/config/index.js';
import { protocolPaths, type BaselinesFile } from '../../core/protocol-artifacts.js';
import { prepareDataset, type DatasetMeta, type SplitName } from '../../dataset/index.js';
import { writeFileAtomicSync } from '../../core/atomic.js';

/** Labels of one split of a prepared cache, without loading its images. */
export function loadLabels(dir: string, meta: DatasetMeta, split: SplitName): Int32Array {
  const file = path.join(dir, meta.splits[split].labels);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    throw new TinynetError(
      'dataset.cache_missing',
      `labels of the ${split} split not found at ${file}`,
      'run `tinynet data prepare --config <your config>` again',
    );
  }
  if (buf.byteLength !== meta.splits[split].size * 4) {
    throw new TinynetError(
      'dataset.cache_corrupt',
      `${file} holds ${buf.byteLength / 4} labels, meta.json promises ${meta.splits[split].size}`,
      'delete the cache dir and run `tinynet data prepare` again',
    );
  }
  return new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** The class seen most often in train (lowest id on ties), as a predictor that always answers it would. */
export function majorityClass(trainCounts: number[]): number {
  let best = 0;
  for (let c = 1; c < trainCounts.length; c++) if (trainCounts[c] > trainCounts[best]) best = c;
  return best;
}

function score(predicted: Int32Array, labels: Int32Array, numClasses: number) {
  const acc = new MetricsAccumulator(numClasses);
  acc.addPredictions(predicted, labels);
  const r = acc.report();
  return { accuracy: r.accuracy, macro_f1: r.macroF1, count: r.count };
}

/**
 * Seed M0: what a model must beat. The majority predictor always answers the most frequent train
 * class; the uniform-random predictor draws a class uniformly (seeded) for every image.
 * Scored on val and test with the same metrics code as the trainer.
 */
export function computeBaselines(opts: { meta: DatasetMeta; labels: Record<'val' | 'test', Int32Array>; seed: number; command: string }): BaselinesFile {
  const { meta } = opts;
  const k = meta.num_classes;
  const major = majorityClass(meta.per_class.train);
  const rng = new Rng(opts.seed);
  const results: BaselinesFile['results'] = [];
  for (const split of ['val', 'test'] as const) {
    const labels = opts.labels[split];
    results.push({ predictor: 'majority', split, ...score(new Int32Array(labels.length).fill(major), labels, k) });
  }
  for (const split of ['val', 'test'] as const) {
    const labels = opts.labels[split];
    const random = Int32Array.from(labels, () => rng.int(k));
    results.push({ predictor: 'uniform_random', split, ...score(random, labels, k) });
  }
  return {
    kind: 'tinynet-baselines',
    created_at: new Date().toISOString(),
    num_classes: k,
    majority_class: { id: major, name: meta.classes[major]?.name ?? String(major), train_count: meta.per_class.train[major] },
    seed: opts.seed,
    results,
    command: opts.command,
  };
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

export function formatBaselines(b: BaselinesFile): string {
  const lines = [
    `baselines (${b.num_classes} classes; chance level 1/${b.num_classes} = ${pct(1 / b.num_classes)})`,
    `majority class: ${b.majority_class.id} "${b.majority_class.name}" (${b.majority_class.train_count} train images)`,
    '',
    'predictor        split  images  accuracy   macro-F1',
  ];
  for (const r of b.results) {
    lines.push(
      `${r.predictor.padEnd(15)}  ${r.split.padEnd(5)}  ${String(r.count).padStart(6)}  ${pct(r.accuracy).padStart(8)}  ${pct(r.macro_f1).padStart(9)}`,
    );
  }
  return lines.join('\n');
}

/** `tinynet baselines`: the prepared dataset's labels in, `<artifacts>/protocol/baselines.json` out. */
export async function runBaselinesForConfig(config: Config, command: string): Promise<{ result: BaselinesFile; file: string }> {
  const { dir, meta } = await prepareDataset(config);
  const result = computeBaselines({ meta, labels: { val: loadLabels(dir, meta, 'val'), test: loadLabels(dir, meta, 'test') }, seed: config.seed, command });
  const file = protocolPaths(config.paths).baselines;
  writeFileAtomicSync(file, `${JSON.stringify(result, null, 1)}\n`);
  return { result, file };
}
