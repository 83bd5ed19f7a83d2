/**
 * `evaluate --checkpoint` (TensorFlow.js) against `evaluate --model` (onnxruntime) on the ONNX file
 * exported from the same checkpoint: the reports must agree field by field.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import YAML from 'yaml';
import { validateConfig, type Config } from '../../core/config/index.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import { prepareDataset } from '../../dataset/prepare.js';
import { loadSplit, type DatasetMeta } from '../../dataset/cache.js';
import { buildResNet } from '../../train/model/index.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointContents } from '../../train/checkpoint.js';
import { normalizeBatch } from '../../dataset/augment.js';
import { selectBackend } from '../../train/backend/select.js';
import { evaluateCheckpoint } from '../../train/evaluate-checkpoint.js';
import { evaluateOnnx } from '../../serve/evaluate/evaluate.js';
import { runExport } from '../../export/run.js';
import { randomizeWeights } from '../helpers/export-parity.js';
import { tempDir } from '../helpers/dataset-config.js';

process.env.TINYNET_LOG = 'warn';

const SIZE = 16;
const CLASSES = 7; // > 5, so top-5 is not trivially 100 %
let root: string;
let raw: Record<string, unknown>;
let config: Config;
let dir: string;
let meta: DatasetMeta;
let ckptFile: string;
let onnxFile: string;

before(async () => {
  root = tempDir('evalckpt');
  raw = {
    seed: 11,
    dataset: {
      source: 'synthetic',
      path: path.join(root, 'syn'),
      image_size: SIZE,
      test_ratio: 0.3,
      synthetic: { classes: CLASSES, per_class: 20, val_per_class: 3, seed: 5 },
    },
    model: { blocks: [1, 1], widths: [4, 8], dropout: 0.1 },
    train: { backend: 'cpu', batch_size: 8 },
    serve: { providers: ['cpu'], threads: 1, max_batch: 5 },
    paths: { cache: path.join(root, 'cache'), artifacts: path.join(root, 'artifacts') },
  };
  config = validateConfig(raw).config;
  const prepared = await prepareDataset(config);
  dir = prepared.dir;
  meta = prepared.meta;
  await selectBackend('cpu');

  // A tiny model with random weights (BN statistics off their init values), saved as the trainer does.
  const model = buildResNet(config.model, { inputShape: [SIZE, SIZE, 3], numClasses: CLASSES }, { seed: 3 });
  randomizeWeights(model, 17);
  ckptFile = path.join(root, 'artifacts', 'best.ckpt');
  const contents: CheckpointContents = {
    config,
    configHash: 'test',
    meta: meta as unknown as Record<string, unknown>,
    epoch: 4,
    step: 40,
    batchInEpoch: 0,
    metrics: { epoch: 4, 'val/accuracy': 0.3, 'val/top5': 0.8, 'val/f1': 0.25, 'val/loss': 1.7 } as unknown as CheckpointContents['metrics'],
    history: [],
    best: { monitor: 'val/accuracy', value: 0.3, epoch: 4 },
    rng: { dropout: [1, 2, 3, 4] },
    optimizer: null,
    callbacks: {},
    backend: tf.getBackend(),
  };
  mkdirSync(path.dirname(ckptFile), { recursive: true });
  saveCheckpoint(ckptFile, model, contents);
  model.dispose();

  onnxFile = path.join(root, 'artifacts', 'model.onnx');
  const exported = await runExport({ checkpoint: ckptFile, out: onnxFile, verify: true, tolerance: 1e-4, foldBatchNorm: true });
  assert.ok(exported.written, 'export verified against TensorFlow.js');
});

/**
 * The test images' logits from both engines: the smallest gap between the logits ranked 1st/2nd
 * and 5th/6th by onnxruntime (where a swap would change top-1 or top-5), and the largest
 * |Δlogit| between the engines.
 */
async function marginAndNoise(): Promise<{ gap: number; maxDiff: number }> {
  const data = loadSplit(dir, 'test');
  const session = await ort.InferenceSession.create(onnxFile);
  let onnx: Float32Array;
  try {
    const out = await session.run({ image: new ort.Tensor('uint8', data.images, [data.n, SIZE, SIZE, 3]) });
    onnx = out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
  const { model } = await loadCheckpoint(ckptFile);
  const x = tf.tensor4d(normalizeBatch(data.images, meta.mean, meta.std), [data.n, SIZE, SIZE, 3]);
  const y = model.predict(x) as tf.Tensor;
  const tfjs = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  let gap = Infinity;
  let maxDiff = 0;
  for (let i = 0; i < data.n; i++) {
    const row = [...onnx.subarray(i * CLASSES, (i + 1) * CLASSES)].sort((a, b) => b - a);
    gap = Math.min(gap, row[0] - row[1], row[4] - row[5]);
  }
  for (let i = 0; i < onnx.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onnx[i] - tfjs[i]));
  return { gap, maxDiff };
}

test('evaluate --checkpoint (TensorFlow.js) equals evaluate --model (onnxruntime) on the exported file', async () => {
  const onnx = await evaluateOnnx({ config, modelPath: onnxFile, split: 'test' });
  const tfjs = await evaluateCheckpoint({ config, checkpointPath: ckptFile, split: 'test', batchSize: 4 });

  // Exact equality is sound only if no image sits on a float-noise tie: TF.js and onnxruntime
  // logits differ slightly (BatchNorm folded into the convs, other summation order). When every
  // decisive gap exceeds twice the largest logit difference, no rank can swap, so top-1, top-5,
  // the confusion matrix and F1 must be identical. If a change of seeds breaks this precondition,
  // pick another seed rather than loosening the comparison.
  const { gap, maxDiff } = await marginAndNoise();
  assert.ok(maxDiff < 1e-4, `TF.js and onnxruntime logits agree (max |Δ| ${maxDiff})`);
  assert.ok(gap > 2 * maxDiff, `no borderline image: smallest decisive gap ${gap} > 2 × ${maxDiff}`);

  assert.equal(tfjs.source.kind, 'checkpoint');
  assert.match(tfjs.source.engine, /TensorFlow\.js .* cpu/);
  assert.equal(onnx.source.kind, 'onnx');
  assert.deepEqual(tfjs.dataset, onnx.dataset);
  assert.equal(tfjs.dataset.count, loadSplit(dir, 'test').n);
  assert.equal(tfjs.metrics.accuracy, onnx.metrics.accuracy);
  assert.equal(tfjs.metrics.top5, onnx.metrics.top5);
  assert.equal(tfjs.metrics.macro_f1, onnx.metrics.macro_f1);
  assert.ok(tfjs.metrics.top5 < 1 && tfjs.metrics.top5 > 0, `a non-trivial top-5 (${tfjs.metrics.top5})`);
  assert.ok(Math.abs(tfjs.metrics.loss! - onnx.metrics.loss!) < 1e-4, `loss ${tfjs.metrics.loss} vs ${onnx.metrics.loss}`);
  assert.deepEqual(tfjs.per_class, onnx.per_class);
  assert.deepEqual(tfjs.most_confused, onnx.most_confused);
  assert.deepEqual({ ...tfjs.reference, from: '' }, { ...onnx.reference, from: '' }, 'both compare against the same training-time val metrics');
  assert.deepEqual(tfjs.reference, { accuracy: 0.3, top5: 0.8, macro_f1: 0.25, from: 'checkpoint, epoch 4' });
  // Identical confusion matrices, compared as the CSV files both wrote.
  assert.equal(readFileSync(tfjs.files.confusion_csv, 'utf8'), readFileSync(onnx.files.confusion_csv, 'utf8'));

  // Separate files next to each evaluated file; neither overwrote the other.
  assert.equal(tfjs.files.json, path.join(root, 'artifacts', 'best.ckpt.eval-test.json'));
  assert.equal(onnx.files.json, path.join(root, 'artifacts', 'model.eval-test.json'));
  assert.equal(JSON.parse(readFileSync(onnx.files.json, 'utf8')).source.kind, 'onnx');
  assert.equal(JSON.parse(readFileSync(tfjs.files.json, 'utf8')).source.kind, 'checkpoint');
  assert.ok(existsSync(tfjs.files.confusion_png!));
  const png = await (await import('sharp')).default(tfjs.files.confusion_png!).metadata();
  assert.equal(png.format, 'png');
});

test('evaluate --checkpoint: a missing or damaged checkpoint is a clear error, nothing written', async () => {
  await assert.rejects(
    evaluateCheckpoint({ config, checkpointPath: path.join(root, 'nope.ckpt'), split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'checkpoint.not_found',
  );
  const bytes = readFileSync(ckptFile);
  const damaged = path.join(root, 'damaged.ckpt');
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 10] ^= 0xff;
  writeFileSync(damaged, flipped);
  await assert.rejects(
    evaluateCheckpoint({ config, checkpointPath: damaged, split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'checkpoint.corrupt',
  );
  writeFileSync(damaged, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(
    evaluateCheckpoint({ config, checkpointPath: damaged, split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'checkpoint.corrupt',
  );
  assert.ok(!existsSync(path.join(root, 'damaged.ckpt.eval-test.json')));
});

test('evaluate --checkpoint: a checkpoint for another dataset shape is refused', async () => {
  const other = validateConfig({ ...raw, dataset: { ...(raw.dataset as object), image_size: 24 }, paths: { cache: path.join(root, 'cache2') } }).config;
  await prepareDataset(other);
  await assert.rejects(
    evaluateCheckpoint({ config: other, checkpointPath: ckptFile, split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'evaluate.size_mismatch',
  );
  // Same size, other resize rule: the pixels would not be the ones it was trained on.
  const stretched = validateConfig({ ...raw, dataset: { ...(raw.dataset as object), resize: 'stretch' }, paths: { cache: path.join(root, 'cache3') } }).config;
  await prepareDataset(stretched);
  await assert.rejects(
    evaluateCheckpoint({ config: stretched, checkpointPath: ckptFile, split: 'test' }),
    (e) => e instanceof TinynetError && e.code === 'evaluate.resize_mismatch',
  );
});

test('tinynet evaluate --checkpoint (CLI); --model with --checkpoint is refused', () => {
  const cfgFile = path.join(root, 'eval.yaml');
  writeFileSync(cfgFile, YAML.stringify(raw));
  const cli = path.join(PACKAGE_ROOT, 'dist/cli/main.js');
  const run = spawnSync(process.execPath, [cli, 'evaluate', '--config', cfgFile, '--checkpoint', ckptFile, '--split', 'val', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, TINYNET_LOG: 'info' },
  });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.source.kind, 'checkpoint');
  assert.equal(report.dataset.split, 'val');
  assert.equal(report.dataset.count, CLASSES * 3);
  assert.match(run.stderr, /vs training-time val \(checkpoint, epoch 4\)/);
  assert.match(run.stderr, /backend cpu/);

  const both = spawnSync(process.execPath, [cli, 'evaluate', '--config', cfgFile, '--checkpoint', ckptFile, '--model', onnxFile], { encoding: 'utf8' });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /either --model or --checkpoint, not both/);
});
