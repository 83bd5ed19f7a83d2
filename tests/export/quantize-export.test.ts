/**
 * `tinynet export --quantize int8 / --precision fp16` on a trained checkpoint: the variant is
 * calibrated, evaluated next to the float model on the test split, written with its precision
 * metadata, and refused (float model kept) when it loses more than max_accuracy_drop.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import path from 'node:path';
import { runExport, formatSummary, type RunExportSummary } from '../../export/run.js';
import { inspectFile, formatInspection } from '../../export/inspect.js';
import { quantizeSection } from '../../core/config/sections/export.js';
import { validateConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { loadSplit } from '../../dataset/cache.js';
import { calibrationImages } from '../../export/precision/variant.js';
import { trainedCheckpoint, type TrainedCheckpoint } from './trained-checkpoint.js';
import { tinynet } from '../helpers/cli.js';

let fx: TrainedCheckpoint;
before(async () => {
  fx = await trainedCheckpoint();
});

const exportWith = (name: string, precision: 'int8' | 'fp16', quantize: Partial<ReturnType<typeof quantizeSection.parse>> = {}): Promise<RunExportSummary> =>
  runExport({
    checkpoint: fx.checkpoint,
    out: path.join(fx.root, name, 'model.onnx'),
    verify: false,
    tolerance: 1e-4,
    foldBatchNorm: true,
    precision,
    quantize: { ...quantizeSection.parse({}), ...quantize },
  });

test('int8: written next to the float model, agreeing with it on the test split, with its precision recorded', async () => {
  const s = await exportWith('int8', 'int8');
  const v = s.variant!;
  assert.ok(s.written && v.written, formatSummary(s));
  assert.equal(v.out, path.join(fx.root, 'int8', 'model.int8.onnx'));
  assert.ok(existsSync(v.out));
  // The trained model is well above chance (25 %), so the comparison is about a real classifier.
  assert.ok(v.comparison.float > 0.6, `float accuracy ${v.comparison.float}`);
  // Bound: at least 95 % of the test images get the float model's class.
  assert.ok(v.comparison.top1Agreement >= 0.95, `top-1 agreement ${v.comparison.top1Agreement}`);
  assert.ok(v.drop <= 1, `drop ${v.drop}`);
  const report = inspectFile(v.out);
  // Weights: int8 plus one float scale per channel; the file of a model this small is mostly metadata.
  const floatParams = inspectFile(s.out).parameterBytes;
  assert.ok(report.parameterBytes < floatParams * 0.4, `int8 weights ${report.parameterBytes} B vs float ${floatParams} B`);
  assert.ok((report.ops.QuantizeLinear ?? 0) > 0 && (report.ops.DequantizeLinear ?? 0) > 0);
  const p = report.metadata.precision!;
  assert.equal(p.precision, 'int8');
  assert.equal(p.activations, 'uint8');
  assert.deepEqual(p.calibration, { method: 'minmax', images: loadSplit(fx.cacheDir, 'train').n, split: 'train' });
  assert.equal(p.accuracy!.float, v.comparison.float);
  assert.equal(p.accuracy!.model, v.comparison.model);
  assert.equal(p.accuracy!.images, loadSplit(fx.cacheDir, 'test').n);
  const text = formatInspection(report);
  assert.match(text, /precision {3}int8, weights int8 per-channel symmetric, activations uint8/);
  assert.match(text, /test accuracy \(\d+ images\): float [\d.]+ %, int8 [\d.]+ %/);
  assert.equal(inspectFile(s.out).metadata.precision, undefined, 'the float model carries no precision record');
});

test('int8 with entropy and percentile calibration also stays within the bound', async () => {
  for (const method of ['entropy', 'percentile'] as const) {
    const s = await exportWith(`int8-${method}`, 'int8', { method, bins: 512 });
    assert.ok(s.variant!.written, formatSummary(s));
    assert.ok(s.variant!.comparison.top1Agreement >= 0.9, `${method}: agreement ${s.variant!.comparison.top1Agreement}`);
    assert.equal(inspectFile(s.variant!.out).metadata.precision!.calibration!.method, method);
  }
});

test('a variant that loses more than max_accuracy_drop is refused and the float model is kept', async () => {
  // Ranges cut at the 20th percentile of |x| clip nearly every activation: the model falls apart.
  const s = await exportWith('refused', 'int8', { method: 'percentile', percentile: 20, max_accuracy_drop: 0.5 });
  const v = s.variant!;
  assert.ok(v.drop > 0.5, `drop ${v.drop}`);
  assert.equal(v.written, false);
  assert.equal(existsSync(v.out), false);
  assert.ok(s.written && existsSync(s.out), 'the float model is written');
  assert.match(formatSummary(s), /NOT written .*model\.int8\.onnx[\s\S]*refused/);
});

test('fp16: float16 weights, float32 inputs and outputs, the same answers as the float model', async () => {
  const s = await exportWith('fp16', 'fp16');
  const v = s.variant!;
  assert.ok(v.written, formatSummary(s));
  assert.equal(v.out, path.join(fx.root, 'fp16', 'model.fp16.onnx'));
  assert.ok(v.comparison.top1Agreement >= 0.99, `agreement ${v.comparison.top1Agreement}`);
  assert.ok(Math.abs(v.drop) <= 1);
  const report = inspectFile(v.out);
  assert.equal(report.metadata.precision!.precision, 'fp16');
  assert.deepEqual(
    report.inputs.map((i) => i.dtype),
    ['uint8'],
  );
  assert.deepEqual(
    report.outputs.map((o) => o.dtype),
    ['float', 'float'],
  );
  const floatParams = inspectFile(s.out).parameterBytes;
  assert.ok(Math.abs(report.parameterBytes - floatParams / 2) < 64, `fp16 weights ${report.parameterBytes} B vs float ${floatParams} B`);
});

test('calibration: fewer train images than asked is said and all are used; an empty split is an error', async () => {
  const train = loadSplit(fx.cacheDir, 'train');
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const prev = process.env.TINYNET_LOG;
  process.env.TINYNET_LOG = 'info';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let got: ReturnType<typeof calibrationImages>;
  try {
    got = calibrationImages(train, train.n + 100, 1);
  } finally {
    process.stderr.write = write;
    process.env.TINYNET_LOG = prev;
  }
  assert.equal(got.n, train.n);
  assert.match(lines.join(''), new RegExp(`train split has ${train.n} images, fewer than export.quantize.calibration_images = ${train.n + 100}`));
  assert.throws(
    () => calibrationImages({ ...train, n: 0, images: new Uint8Array(0), labels: new Int32Array(0) }, 10, 1),
    (e: unknown) => e instanceof TinynetError && e.code === 'export.calibration_empty',
  );
});

test('a float-input export gets no variant: the error names the input mode and what to use', async () => {
  await assert.rejects(
    runExport({
      checkpoint: fx.checkpoint,
      out: path.join(fx.root, 'float-input', 'model.onnx'),
      input: 'float32-nhwc',
      verify: false,
      tolerance: 1e-4,
      foldBatchNorm: true,
      precision: 'int8',
      quantize: quantizeSection.parse({}),
    }),
    (e: unknown) => e instanceof TinynetError && e.code === 'export.precision_input' && /float32-nhwc/.test(e.message) && /uint8-nhwc/.test(e.hint ?? ''),
  );
});

test('a wrong export.quantize value names the key and what is accepted', () => {
  assert.throws(() => validateConfig({ export: { quantize: { method: 'kl' } } }), /export\.quantize\.method[\s\S]*minmax/);
  assert.throws(() => validateConfig({ export: { quantize: { calibration_images: 0 } } }), /export\.quantize\.calibration_images/);
  assert.throws(() => validateConfig({ export: { quantize: { typo: 1 } } }), /export\.quantize\.typo/);
  assert.equal(validateConfig({ export: { quantize: { type: 'int8' } } }).config.export.quantize.max_accuracy_drop, 1);
});

test('the CLI: --quantize int8 writes both files and exits 0; a refused variant exits 1 and keeps the float model', async () => {
  const dir = path.join(fx.root, 'cli');
  mkdirSync(dir, { recursive: true });
  const yaml = (quantize: Record<string, unknown>) => YAML.stringify({ ...fx.raw, export: { quantize } });
  writeFileSync(path.join(dir, 'ok.yaml'), yaml({ method: 'entropy', bins: 512 }));
  writeFileSync(path.join(dir, 'refuse.yaml'), yaml({ type: 'int8', method: 'percentile', percentile: 20, max_accuracy_drop: 0.5 }));

  const ok = await tinynet(dir, [
    'export',
    '--config',
    'ok.yaml',
    '--checkpoint',
    fx.checkpoint,
    '-o',
    'ok/model.onnx',
    '--quantize',
    'int8',
    '--calibration-images',
    '40',
    '--json',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout) as RunExportSummary;
  assert.equal(summary.variant!.info.calibration!.method, 'entropy');
  assert.equal(summary.variant!.info.calibration!.images, 40);
  assert.ok(existsSync(path.join(dir, 'ok', 'model.onnx')) && existsSync(path.join(dir, 'ok', 'model.int8.onnx')));

  const refused = await tinynet(dir, ['export', '--config', 'refuse.yaml', '--checkpoint', fx.checkpoint, '-o', 'refused/model.onnx']);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /NOT written .*model\.int8\.onnx/);
  assert.match(refused.stderr, /points lost, more than export\.quantize\.max_accuracy_drop = 0\.5/);
  assert.ok(existsSync(path.join(dir, 'refused', 'model.onnx')));
  assert.ok(!existsSync(path.join(dir, 'refused', 'model.int8.onnx')));

  const both = await tinynet(dir, [
    'export',
    '--config',
    'ok.yaml',
    '--checkpoint',
    fx.checkpoint,
    '-o',
    'both/model.onnx',
    '--quantize',
    'int8',
    '--precision',
    'fp16',
  ]);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /fp16 and int8 were both asked for/);
});
