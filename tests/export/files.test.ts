/** Files on disk: tfjs model.json (plain and quantized) and checkpoints, through the library and the CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadTfjsModel } from '../../export/load-tfjs.js';
import { runExport } from '../../export/run.js';
import { inspectFile } from '../../export/inspect.js';
import { TinynetError } from '../../core/errors.js';
import { validateConfig } from '../../core/config/index.js';
import { prepareDataset } from '../../dataset/index.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { cpuBackend, maxAbsDiff, parity, randomizeWeights } from '../helpers/export-parity.js';
import { saveTfjsModel } from './tfjs-files.js';
import { writeTinyCheckpoint } from './fixtures.js';

const run = promisify(execFile);
const tmp = () => mkdtempSync(path.join(tmpdir(), 'tinynet-export-'));
const CLI = path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const CONFIG = ['--config', path.join(PACKAGE_ROOT, 'configs', 'config.yaml')];

function smallCnn(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  randomizeWeights(model);
  return model;
}

for (const q of ['none', 'uint8', 'float16'] as const) {
  test(`tfjs model.json with ${q} weights: loads from disk, exports, matches tfjs`, async () => {
    await cpuBackend();
    const original = smallCnn();
    const file = await saveTfjsModel(original, tmp(), q);
    const loaded = await loadTfjsModel(file);
    // Dequantized weights are close to the originals (and identical when not quantized).
    const a = original.getWeights()[0].dataSync();
    const b = loaded.getWeights()[0].dataSync();
    const err = maxAbsDiff(a, b);
    if (q === 'none') assert.equal(err, 0);
    else assert.ok(err < (q === 'uint8' ? 0.01 : 1e-3), `dequantization error ${err}`);
    const { diffs } = await parity(loaded, { batch: 3 });
    assert.ok(diffs[0] < 1e-5, `onnx vs tfjs ${diffs[0]}`);
  });
}

test('tfjs model + dataset meta.json: classifier export with the uint8 head (model ending in softmax)', async () => {
  await cpuBackend();
  const dir = tmp();
  const file = await saveTfjsModel(smallCnn(), path.join(dir, 'm'), 'float16');
  const metaFile = path.join(dir, 'meta.json');
  writeFileSync(
    metaFile,
    JSON.stringify({ classes: [0, 1, 2, 3].map((id) => ({ id, wnid: `w${id}`, name: `n${id}` })), mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.25] }),
  );
  const out = path.join(dir, 'cls.onnx');
  const summary = await runExport({ tfjs: file, meta: metaFile, out, verify: true, tolerance: 1e-4, foldBatchNorm: true, randomCount: 4 });
  assert.equal(summary.input, 'uint8-nhwc');
  assert.ok(summary.verify?.ok);
  assert.equal(summary.verify?.maxAbsLogits, null, 'tfjs gives probabilities only; logits are taken from before its softmax');
  assert.deepEqual(
    summary.outputs.map((o) => o.name),
    ['logits', 'probabilities'],
  );
  const info = inspectFile(out);
  assert.equal(info.ops.Softmax, 1, "the model's own softmax gives probabilities, none added");
  assert.equal(info.metadata.classes?.[3].name, 'n3');
  await assert.rejects(
    runExport({ tfjs: file, meta: path.join(dir, 'none.json'), out, verify: false, tolerance: 1e-4, foldBatchNorm: true }),
    (e: unknown) => e instanceof TinynetError && e.code === 'export.not_found',
  );
});

test('bad tfjs inputs are clear errors', async () => {
  const dir = tmp();
  await assert.rejects(loadTfjsModel(path.join(dir, 'nope.json')), (e: unknown) => e instanceof TinynetError && e.code === 'export.not_found');
  writeFileSync(path.join(dir, 'graph.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }));
  await assert.rejects(loadTfjsModel(path.join(dir, 'graph.json')), (e: unknown) => e instanceof TinynetError && /graph model/.test(e.message));
  const file = await saveTfjsModel(smallCnn(), path.join(dir, 'm'));
  const { rmSync } = await import('node:fs');
  rmSync(path.join(dir, 'm', 'group1-shard2of2.bin'));
  await assert.rejects(loadTfjsModel(file), (e: unknown) => e instanceof TinynetError && /shard2of2/.test(e.message));
});

test('runExport from a checkpoint: verified, written atomically, inspect reads it back', async () => {
  await cpuBackend();
  const dir = tmp();
  const ckpt = path.join(dir, 'best.ckpt');
  writeTinyCheckpoint(ckpt);
  const out = path.join(dir, 'out', 'model.onnx');
  const summary = await runExport({ checkpoint: ckpt, out, verify: true, tolerance: 1e-4, foldBatchNorm: true, randomCount: 20 });
  assert.ok(summary.written && summary.verify?.ok);
  assert.equal(summary.verify?.top1Agreement, 1);
  // The overall figures are the max over batches: finite, and as large as the largest batch's.
  const perBatch = summary.verify!.batches.map((b) => b.maxAbsProbabilities as number);
  assert.ok(perBatch.length > 1, 'several verification batches');
  assert.equal(summary.verify?.maxAbsProbabilities, Math.max(...perBatch));
  assert.equal(summary.verify?.maxAbsLogits, Math.max(...summary.verify!.batches.map((b) => b.maxAbsLogits as number)));
  assert.deepEqual(readdirSync(path.dirname(out)), ['model.onnx'], 'no temp file left');
  const info = inspectFile(out);
  assert.equal(info.inputs[0].dtype, 'uint8');
  assert.equal(info.metadata.classes?.length, 5);
  assert.equal(info.metadata.classes?.[2].wnid, 'n00000002');
  assert.equal(info.metadata.provenance?.source, 'checkpoint');
  assert.equal(info.metadata.provenance?.epoch, 3);
  assert.equal(info.metadata.provenance?.metrics?.['val/accuracy'], 0.6);
  assert.ok(info.parameters > 0);
});

test('verification also runs on real images from the dataset cache the checkpoint was trained on', async () => {
  await cpuBackend();
  const dir = tmp();
  const rest = {
    dataset: {
      source: 'synthetic',
      path: path.join(dir, 'synth'),
      image_size: 8,
      test_ratio: 0.2,
      synthetic: { classes: 5, per_class: 10, val_per_class: 2, seed: 3 },
    },
    paths: { cache: path.join(dir, 'cache'), artifacts: path.join(dir, 'artifacts'), runs: path.join(dir, 'runs') },
  };
  const { config } = validateConfig(rest);
  const prepared = await prepareDataset(config);
  const ckpt = path.join(dir, 'best.ckpt');
  writeTinyCheckpoint(ckpt, rest, prepared.meta as unknown as Record<string, unknown>);
  const summary = await runExport({ checkpoint: ckpt, out: path.join(dir, 'model.onnx'), verify: true, tolerance: 1e-4, foldBatchNorm: true, randomCount: 2 });
  assert.ok(summary.verify?.ok);
  const real = summary.verify!.batches.filter((b) => b.kind === 'dataset');
  assert.equal(
    real.reduce((a, b) => a + b.n, 0),
    10,
    'the 10 validation images',
  );
  assert.equal(summary.verify?.top1Agreement, 1);
  const info = inspectFile(summary.out);
  assert.deepEqual(info.metadata.normalization?.mean, prepared.meta.mean);
  assert.equal(info.metadata.classes?.[0].name, prepared.meta.classes[0].name);
});

test('CLI: tinynet export --checkpoint … then tinynet inspect', async () => {
  const dir = tmp();
  const ckpt = path.join(dir, 'best.ckpt');
  await cpuBackend();
  writeTinyCheckpoint(ckpt);
  const out = path.join(dir, 'model.onnx');
  const env = { ...process.env, TINYNET_LOG: 'warn' };
  const exp = await run('node', [CLI, 'export', '--checkpoint', ckpt, '--out', out, ...CONFIG, '--set', 'train.backend=cpu', '--samples', '0'], {
    env,
    cwd: dir,
  });
  assert.match(exp.stdout, /verify\s+OK/);
  assert.match(exp.stdout, /top-1 agreement 100\.0%/);
  assert.ok(existsSync(out));
  const ins = await run('node', [CLI, 'inspect', out], { env, cwd: dir });
  assert.match(ins.stdout, /image\s+uint8 \[N, 8, 8, 3\]/);
  assert.match(ins.stdout, /logits\s+float \[N, 5\]/);
  assert.match(ins.stdout, /Conv×\d+/);
  assert.match(ins.stdout, /classes\s+5: thing 0/);
  const json = JSON.parse((await run('node', [CLI, 'inspect', out, '--json'], { env, cwd: dir })).stdout);
  assert.equal(json.outputs[1].name, 'probabilities');
  // A missing checkpoint exits 2 with a TinynetError, and writes nothing.
  await assert.rejects(
    run('node', [CLI, 'export', '--checkpoint', path.join(dir, 'none.ckpt'), '--out', path.join(dir, 'x.onnx'), ...CONFIG, '--set', 'train.backend=cpu'], {
      env,
      cwd: dir,
    }),
    (e: { code?: number; stderr?: string }) => e.code === 2 && /checkpoint not found/.test(e.stderr ?? ''),
  );
  assert.ok(!existsSync(path.join(dir, 'x.onnx')));
});

test('CLI: tinynet export with only --checkpoint follows the config the checkpoint holds', async () => {
  const dir = tmp();
  const ckpt = path.join(dir, 'best.ckpt');
  await cpuBackend();
  // No configs/config.yaml where it runs: the artifacts dir and the tolerance come from the checkpoint.
  writeTinyCheckpoint(ckpt, { paths: { artifacts: path.join(dir, 'trained') }, export: { tolerance: 0.002 } });
  const env = { ...process.env, TINYNET_LOG: 'warn' };
  const exp = await run('node', [CLI, 'export', '--checkpoint', ckpt, '--samples', '0'], { env, cwd: dir });
  assert.match(exp.stdout, /verify\s+OK .*\(tolerance 0\.002\)/);
  assert.ok(existsSync(path.join(dir, 'trained', 'model.onnx')));
});

test('CLI: tinynet export --tfjs defaults to the source model input, outputs as they are', async () => {
  await cpuBackend();
  const dir = tmp();
  const file = await saveTfjsModel(smallCnn(), path.join(dir, 'm'), 'uint8');
  const out = path.join(dir, 'plain.onnx');
  const env = { ...process.env, TINYNET_LOG: 'warn' };
  const exp = await run('node', [CLI, 'export', '--tfjs', file, '--out', out, ...CONFIG, '--set', 'train.backend=cpu', '--json'], { env, cwd: dir });
  const summary = JSON.parse(exp.stdout);
  assert.equal(summary.input, 'float32-nhwc');
  assert.equal(summary.verify.ok, true);
  assert.equal(summary.inputs[0].dtype, 'float32');
  assert.deepEqual(summary.inputs[0].dims, ['N', 8, 8, 3]);
  assert.equal(summary.outputs.length, 1);
  assert.ok(existsSync(out));
});
