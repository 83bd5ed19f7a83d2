import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeBaselines, majorityClass } from '../../../train/protocol/baselines.js';
import type { BaselinesFile } from '../../../core/protocol-artifacts.js';
import type { DatasetMeta } from '../../../dataset/index.js';
import { tinyProject, tinynet } from '../../helpers/cli.js';

const meta = (trainCounts: number[]) =>
  ({
    num_classes: trainCounts.length,
    per_class: { train: trainCounts },
    classes: trainCounts.map((_, i) => ({ id: i, wnid: `w${i}`, name: `class ${i}` })),
  }) as unknown as DatasetMeta;

test("majority baseline predicts the most frequent train class; its accuracy is that class's share of the split", () => {
  assert.equal(majorityClass([3, 9, 9, 1]), 1, 'lowest id on ties');
  const val = Int32Array.from([1, 1, 1, 0, 2, 3, 1, 2]);
  const b = computeBaselines({ meta: meta([3, 9, 2, 1]), labels: { val, test: Int32Array.from([0, 0, 0, 1]) }, seed: 1, command: 'x' });
  const maj = b.results.filter((r) => r.predictor === 'majority');
  assert.equal(maj[0].accuracy, 4 / 8);
  assert.equal(maj[1].accuracy, 1 / 4);
  // macro-F1 over the classes present (sklearn): class 1 F1 = 2·(0.5·1)/(1.5) = 2/3, others 0, 4 classes present in val.
  assert.ok(Math.abs(maj[0].macro_f1 - 2 / 3 / 4) < 1e-12);
  const rand = b.results.filter((r) => r.predictor === 'uniform_random');
  assert.equal(rand.length, 2);
  for (const r of rand) assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
});

test('uniform random predictions score about 1/K on many samples, and are seeded', () => {
  const labels = Int32Array.from({ length: 20000 }, (_, i) => i % 10);
  const run = (seed: number) =>
    computeBaselines({ meta: meta(new Array(10).fill(5)), labels: { val: labels, test: labels }, seed, command: 'x' }).results.find(
      (r) => r.predictor === 'uniform_random',
    )!;
  const a = run(3);
  assert.ok(Math.abs(a.accuracy - 0.1) < 0.01, `${a.accuracy}`);
  assert.deepEqual(run(3), a);
});

test('tinynet baselines prints the table and writes baselines.json', async () => {
  const dir = tinyProject();
  const r = await tinynet(dir, ['baselines', '--config', 'tiny.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /majority\s+val\s+24\s+25\.00 %/);
  const doc = JSON.parse(readFileSync(path.join(dir, 'artifacts/protocol/baselines.json'), 'utf8')) as BaselinesFile;
  assert.equal(doc.kind, 'tinynet-baselines');
  assert.deepEqual(
    doc.results.map((x) => `${x.predictor}/${x.split}`),
    ['majority/val', 'majority/test', 'uniform_random/val', 'uniform_random/test'],
  );
  assert.equal(doc.results[0].accuracy, 0.25, 'balanced synthetic classes: majority = 1/4');
});
