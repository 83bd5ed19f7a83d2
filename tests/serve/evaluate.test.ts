import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';
import { validateConfig, type Config } from '../../core/config/index.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import { prepareDataset } from '../../dataset/prepare.js';
import { loadSplit } from '../../dataset/cache.js';
import { evaluateOnnx } from '../../serve/evaluate/evaluate.js';
import { writeTinyModel, referenceProbabilities } from '../helpers/serve-fixtures.js';
import { tempDir } from '../helpers/dataset-config.js';

process.env.TINYNET_LOG = 'warn';

let root: string;
let raw: Record<string, unknown>;
let config: Config;
let dir: string;

before(async () => {
  root = tempDir('eval');
  raw = {
    dataset: {
      source: 'synthetic',
      path: path.join(root, 'syn'),
      image_size: 32,
      test_ratio: 0.25,
      synthetic: { classes: 3, per_class: 24, val_per_class: 4, seed: 3 },
    },
    serve: { providers: ['cpu'], threads: 1, max_batch: 5 },
    paths: { cache: path.join(root, 'cache') },
  };
  config = validateConfig(raw).config;
  dir = (await prepareDataset(config)).dir;
});

test('evaluate: metrics equal a direct onnxruntime run; JSON, CSV and PNG land next to the model', async () => {
  const model = writeTinyModel({ size: 32, numClasses: 3, seed: 4, valMetrics: { 'val/accuracy': 0.25, 'val/top5': 1, 'val/f1': 0.2 } });
  const report = await evaluateOnnx({ config, modelPath: model, split: 'test' });

  const data = loadSplit(dir, 'test');
  const samples = Array.from({ length: data.n }, (_, i) => data.images.subarray(i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3));
  const ref = await referenceProbabilities(model, samples, 32);
  const hits = ref.filter((p, i) => p.indexOf(Math.max(...p)) === data.labels[i]).length;
  assert.equal(report.dataset.count, data.n);
  assert.equal(report.metrics.accuracy, hits / data.n);
  assert.equal(report.metrics.top5, 1, '3 classes: top-5 always hits');
  assert.equal(report.per_class.length, 3);
  assert.equal(
    report.per_class.reduce((a, c) => a + c.support, 0),
    data.n,
  );
  assert.deepEqual(report.reference, { accuracy: 0.25, top5: 1, macro_f1: 0.2, from: 'model provenance' });
  assert.ok(report.metrics.loss !== null && report.metrics.loss > 0);

  const json = JSON.parse(readFileSync(report.files.json, 'utf8'));
  assert.equal(json.format, 1);
  assert.equal(json.source.kind, 'onnx');
  assert.equal(path.dirname(report.files.json), path.dirname(model));
  const csv = readFileSync(report.files.confusion_csv, 'utf8').trim().split('\n');
  assert.equal(csv.length, 4);
  const total = csv.slice(1).reduce(
    (a, line) =>
      a +
      line
        .split(',')
        .slice(1)
        .reduce((s, v) => s + Number(v), 0),
    0,
  );
  assert.equal(total, data.n);
  assert.ok(existsSync(report.files.confusion_png!));
  assert.deepEqual([...readFileSync(report.files.confusion_png!).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
});

test('evaluate: a model that does not fit the dataset is a clear error', async () => {
  await assert.rejects(
    evaluateOnnx({ config, modelPath: writeTinyModel({ size: 32, numClasses: 5 }), split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'evaluate.class_mismatch',
  );
  await assert.rejects(
    evaluateOnnx({ config, modelPath: writeTinyModel({ size: 64, numClasses: 3 }), split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'evaluate.size_mismatch',
  );
  await assert.rejects(
    evaluateOnnx({ config, modelPath: writeTinyModel({ size: 32, numClasses: 3, resize: 'stretch' }), split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'evaluate.resize_mismatch' && /dataset\.resize: stretch/.test(e.hint ?? ''),
  );
  await assert.rejects(
    evaluateOnnx({ config, modelPath: path.join(root, 'none.onnx'), split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'model.not_found',
  );
});

test('tinynet evaluate (CLI) prints JSON with the val split', () => {
  const cfgFile = path.join(root, 'eval.yaml');
  writeFileSync(cfgFile, YAML.stringify(raw));
  const model = writeTinyModel({ size: 32, numClasses: 3 });
  const run = spawnSync(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'dist/cli/main.js'), 'evaluate', '--config', cfgFile, '--model', model, '--split', 'val', '--json'],
    {
      encoding: 'utf8',
      env: { ...process.env, TINYNET_LOG: 'info' },
    },
  );
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.dataset.split, 'val');
  assert.equal(report.dataset.count, 12);
  assert.match(run.stderr, /vs training-time val \(model provenance\)/);
  const bad = spawnSync(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'dist/cli/main.js'), 'evaluate', '--config', cfgFile, '--model', model, '--split', 'train'],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 2);
});
