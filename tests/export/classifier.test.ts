/** Tinynet classifiers: uint8 head, logits + probabilities, BN folding, dynamic batch, metadata, verification. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { exportLayersModel } from '../../export/exporter.js';
import { verifyExport } from '../../export/verify.js';
import { inspectModel } from '../../export/inspect.js';
import { decodeModel } from '../../onnx/proto.js';
import { findConverter, registerConverter } from '../../export/registry.js';
import { decodeMetadata, METADATA_KEYS } from '../../core/onnx-metadata.js';
import { TinynetError } from '../../core/errors.js';
import { cpuBackend, maxAbsDiff, parity, randomData, runOnnx, randomizeWeights } from '../helpers/export-parity.js';
import { tinyResNet, TINY_DATASET } from './fixtures.js';
import { Mystery } from './custom-layers.js';

test('ResNet with uint8 head: verifies, BN folded, dropout gone, logits + probabilities', async () => {
  await cpuBackend();
  const { model } = tinyResNet();
  const options = { dataset: TINY_DATASET };
  const result = exportLayersModel(model, options);
  assert.equal(result.input, 'uint8-nhwc');
  assert.deepEqual(result.inputs, [{ name: 'image', dtype: 'uint8', dims: ['N', 8, 8, 3] }]);
  assert.deepEqual(
    result.outputs.map((o) => [o.name, o.dims]),
    [
      ['logits', ['N', 5]],
      ['probabilities', ['N', 5]],
    ],
  );
  const info = inspectModel(decodeModel(result.bytes));
  assert.equal(info.ops.BatchNormalization, undefined, 'every BN follows a conv and is folded');
  assert.equal(info.ops.Transpose, 1, 'one layout change, at the input');
  assert.ok(info.ops.Conv >= 5);
  const report = await verifyExport(model, result, options, { tolerance: 1e-4, randomCount: 6 });
  assert.ok(report.ok, JSON.stringify(report));
  assert.equal(report.top1Agreement, 1);
  assert.ok((report.maxAbsLogits ?? 1) < 1e-4);
});

// relu is the first test's; one test per variant so that one failing does not hide the rest.
for (const over of [{ activation: 'gelu' }, { activation: 'selu' }, { activation: 'elu' }, { activation: 'leaky_relu' }, { batchnorm: false }] as const) {
  test(`ResNet parity with ${JSON.stringify(over)}`, async () => {
    await cpuBackend();
    const { model } = tinyResNet(over);
    const { diffs } = await parity(model, { dataset: TINY_DATASET, input: 'float32-nhwc', batch: 2 });
    assert.ok(diffs[0] < 1e-4, `logits diff ${diffs[0]}`);
  });
}

test('BN folding is exact: folded and unfolded graphs agree with each other and with tfjs', async () => {
  const { model } = tinyResNet({ dropout: 0 });
  const folded = await parity(model, { foldBatchNorm: true, batch: 3 });
  const unfolded = await parity(model, { foldBatchNorm: false, batch: 3 });
  assert.ok(folded.result.passes.fold_batchnorm >= 5);
  assert.equal(unfolded.result.passes.fold_batchnorm, undefined);
  assert.ok(inspectModel(decodeModel(unfolded.result.bytes)).ops.BatchNormalization >= 5);
  assert.ok(folded.diffs[0] < 1e-5, `folded vs tfjs ${folded.diffs[0]}`);
  assert.ok(unfolded.diffs[0] < 1e-5, `unfolded vs tfjs ${unfolded.diffs[0]}`);
});

test('dynamic batch: N = 1, 3, 17 through one exported file', async () => {
  await cpuBackend();
  const { model } = tinyResNet();
  const result = exportLayersModel(model, { dataset: TINY_DATASET, input: 'float32-nchw' });
  assert.deepEqual(result.inputs[0].dims, ['N', 3, 8, 8]);
  const session = await ort.InferenceSession.create(result.bytes);
  for (const n of [1, 3, 17]) {
    const nhwc = randomData(n * 8 * 8 * 3, n);
    const nchw = tf.tidy(() => tf.tensor(nhwc, [n, 8, 8, 3]).transpose([0, 3, 1, 2]).dataSync() as Float32Array);
    const out = await session.run({ image: new ort.Tensor('float32', nchw, [n, 3, 8, 8]) });
    const ref = tf.tidy(() => (model.predict(tf.tensor(nhwc, [n, 8, 8, 3])) as tf.Tensor).dataSync());
    assert.deepEqual(out.logits.dims, [n, 5]);
    assert.ok(maxAbsDiff(out.logits.data as Float32Array, ref) < 1e-4);
    const probs = out.probabilities.data as Float32Array;
    for (let r = 0; r < n; r++) assert.ok(Math.abs(probs.slice(r * 5, r * 5 + 5).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  await session.release();
});

test('metadata round trip: labels, input contract, normalization, provenance, producer, opset/IR', async () => {
  const { model } = tinyResNet();
  const result = exportLayersModel(model, {
    dataset: { ...TINY_DATASET, resize: 'stretch' },
    provenance: {
      source: 'checkpoint',
      source_file: 'best.ckpt',
      config_hash: 'abc123',
      metrics: { 'val/accuracy': 0.5 },
      epoch: 2,
      exported_at: '2026-11-26T00:00:00.000Z',
    },
  });
  const proto = decodeModel(result.bytes);
  assert.equal(proto.producerName, 'tinynet');
  assert.ok(proto.producerVersion.length > 0);
  assert.equal(Number(proto.irVersion), 8);
  assert.deepEqual(
    proto.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [['', 17]],
  );
  const props = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
  const meta = decodeMetadata(props);
  assert.equal(meta.format, '1');
  assert.deepEqual(meta.classes, TINY_DATASET.classes);
  assert.deepEqual(meta.normalization, TINY_DATASET.normalization);
  assert.deepEqual(meta.input, {
    name: 'image',
    dtype: 'uint8',
    layout: 'NHWC',
    height: 8,
    width: 8,
    channels: 3,
    color: 'RGB',
    resize: 'stretch',
    batch: 'dynamic',
    normalized_in_graph: true,
  });
  assert.deepEqual(meta.outputs, { logits: 'logits', probabilities: 'probabilities', names: ['logits', 'probabilities'] });
  assert.equal(meta.provenance?.config_hash, 'abc123');
  assert.equal(meta.provenance?.exported_at, '2026-11-26T00:00:00.000Z');
  assert.deepEqual(meta.provenance?.metrics, { 'val/accuracy': 0.5 });
  assert.ok(props[METADATA_KEYS.provenance]?.includes('tinynet_version'));
});

test('uint8 head equals normalizing outside: same logits as tfjs on (x/255 − mean)/std', async () => {
  await cpuBackend();
  const { model } = tinyResNet();
  const result = exportLayersModel(model, { dataset: TINY_DATASET });
  const n = 4;
  const u8 = Uint8Array.from(randomData(n * 8 * 8 * 3, 9), (v) => Math.floor((v + 1) * 127.9));
  const { mean, std } = TINY_DATASET.normalization!;
  const floats = Float32Array.from(u8, (v, i) => (v / 255 - mean[i % 3]) / std[i % 3]);
  const ref = tf.tidy(() => (model.predict(tf.tensor(floats, [n, 8, 8, 3])) as tf.Tensor).dataSync());
  const out = await runOnnx(result.bytes, { image: new ort.Tensor('uint8', u8, [n, 8, 8, 3]) });
  assert.ok(maxAbsDiff(out.logits.data as Float32Array, ref) < 1e-4);
});

test('an unsupported layer is a clear error naming its class and its name', () => {
  const input = tf.input({ shape: [4, 4, 2] });
  const y = new Mystery({ name: 'odd_one' }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  assert.throws(
    () => exportLayersModel(model),
    (err: unknown) => err instanceof TinynetError && err.code === 'export.unsupported_layer' && /Mystery/.test(err.message) && /odd_one/.test(err.message),
  );
});

test('a wrong converter fails verification and the first differing layer is named', async () => {
  await cpuBackend();
  const input = tf.input({ shape: [6, 6, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'first_conv' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'culprit' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'after' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3, name: 'logits' }).apply(x) as tf.SymbolicTensor });
  randomizeWeights(model);
  const original = findConverter('ReLU', 'x');
  // Sabotage: ReLU exported as the identity.
  registerConverter('ReLU', (ctx) => [ctx.inputs[0]]);
  try {
    const options = { dataset: { classes: [0, 1, 2].map((i) => ({ index: i, id: String(i), name: String(i) })) }, input: 'float32-nhwc' as const };
    const result = exportLayersModel(model, options);
    const report = await verifyExport(model, result, options, { tolerance: 1e-6, randomCount: 4 });
    assert.equal(report.ok, false);
    assert.equal(report.firstMismatch?.layer, 'culprit');
    assert.equal(report.firstMismatch?.className, 'ReLU');

    // Inside a nested model, the inner layer is named with its path.
    const innerIn = tf.input({ shape: [6, 6, 4] });
    const innerOut = tf.layers
      .reLU({ name: 'hidden_relu' })
      .apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'hidden_conv' }).apply(innerIn) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const inner = tf.model({ inputs: innerIn, outputs: innerOut, name: 'block' });
    const outerIn = tf.input({ shape: [6, 6, 3] });
    let y = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'stem' }).apply(outerIn) as tf.SymbolicTensor;
    y = inner.apply(y) as tf.SymbolicTensor;
    y = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as tf.SymbolicTensor;
    const nested = tf.model({ inputs: outerIn, outputs: tf.layers.dense({ units: 3, name: 'out' }).apply(y) as tf.SymbolicTensor });
    randomizeWeights(nested);
    const nestedResult = exportLayersModel(nested, options);
    const nestedReport = await verifyExport(nested, nestedResult, options, { tolerance: 1e-6, randomCount: 3 });
    assert.equal(nestedReport.ok, false);
    assert.equal(nestedReport.firstMismatch?.layer, 'block/hidden_relu');
  } finally {
    registerConverter('ReLU', original);
  }
});
