import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { configSchema } from '../../core/config/index.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { buildResNet, summarizeModel, formatSummary, SpatialDropout2D, seedDropout } from '../../train/model/index.js';

process.env.TINYNET_LOG = 'warn';
await tf.setBackend('cpu'); // tests run tiny models on the pure-JS backend, whatever else registered

/**
 * Parameter count of the default network worked out by hand from its definition, independent of tfjs:
 * conv k×k (no bias with BN) = k·k·cin·cout; BN = 2·c learned (γ, β) + 2·c running stats.
 */
function expectedParams(blocks: number[], widths: number[], classes: number, inChannels = 3) {
  let trainable = 0;
  let stats = 0;
  const conv = (k: number, cin: number, cout: number) => (trainable += k * k * cin * cout);
  const bn = (c: number) => {
    trainable += 2 * c;
    stats += 2 * c;
  };
  conv(3, inChannels, widths[0]);
  bn(widths[0]);
  let cin = widths[0];
  blocks.forEach((n, s) => {
    for (let b = 0; b < n; b++) {
      const cout = widths[s];
      conv(3, cin, cout);
      bn(cout);
      conv(3, cout, cout);
      bn(cout);
      if (cin !== cout || (s > 0 && b === 0)) {
        conv(1, cin, cout);
        bn(cout);
      }
      cin = cout;
    }
  });
  trainable += cin * classes + classes;
  return { trainable, total: trainable + stats };
}

const modelCfg = (over: Record<string, unknown>) => configSchema.parse({ model: over }).model;

for (const blocks of [
  [2, 2, 2],
  [3, 3, 3],
]) {
  test(`default model ${JSON.stringify(blocks)}: parameter count matches the hand count`, () => {
    const model = buildResNet(modelCfg({ blocks }), { inputShape: [64, 64, 3], numClasses: 200 });
    const s = summarizeModel(model);
    const want = expectedParams(blocks, [64, 128, 256], 200);
    assert.equal(s.trainableParams, want.trainable);
    assert.equal(s.totalParams, want.total);
    assert.equal(model.countParams(), want.total);
    const last = s.layers.at(-1)!;
    assert.equal(last.outputShape, '[N, 200]');
    assert.match(formatSummary(s), /total parameters:\s+[\d ]+/);
    // Stage 3 runs at 16×16 after two stride-2 stages.
    assert.equal(s.layers.find((l) => l.name === `s3b${blocks[2]}_out`)!.outputShape, '[N, 16, 16, 256]');
    model.dispose();
  });
}

test('batchnorm off: convs get biases and no BatchNormalization layer exists', () => {
  const model = buildResNet(modelCfg({ blocks: [1, 1], widths: [4, 8], batchnorm: false, activation: 'gelu' }), {
    inputShape: [8, 8, 3],
    numClasses: 5,
  });
  assert.ok(!model.layers.some((l) => l.getClassName() === 'BatchNormalization'));
  // stem 3·3·3·4+4, s1b1 2·(9·16+4), s2b1 9·4·8+8 + 9·8·8+8 + 4·8+8, dense 8·5+5
  const want = 112 + 2 * 148 + (296 + 584 + 40) + 45;
  assert.equal(model.countParams(), want);
  model.dispose();
});

test('every activation builds and runs', () => {
  for (const activation of ['relu', 'gelu', 'selu', 'leaky_relu', 'elu'] as const) {
    const model = buildResNet(modelCfg({ blocks: [1], widths: [4], activation }), { inputShape: [6, 6, 3], numClasses: 3 });
    const y = model.predict(tf.ones([2, 6, 6, 3])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 3]);
    assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
    tf.dispose(y);
    model.dispose();
  }
});

test('SpatialDropout2D drops whole channels per sample in training, is identity at inference', () => {
  seedDropout(1);
  const layer = new SpatialDropout2D({ rate: 0.5 });
  const x = tf.ones([4, 3, 3, 16]);
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  const v = y.arraySync() as number[][][][];
  let zeros = 0;
  for (let b = 0; b < 4; b++) {
    for (let c = 0; c < 16; c++) {
      const vals = new Set(v[b].flatMap((row) => row.map((px) => px[c])));
      assert.equal(vals.size, 1, 'a channel is either all kept or all dropped');
      const [only] = [...vals];
      assert.ok(only === 0 || Math.abs(only - 2) < 1e-6);
      if (only === 0) zeros++;
    }
  }
  assert.ok(zeros > 8 && zeros < 56, `about half the channels dropped, got ${zeros}/64`);
  const inf = layer.apply(x, { training: false }) as tf.Tensor;
  assert.deepEqual(inf.arraySync(), x.arraySync());
  // Serializable under Keras' class name, so a saved topology loads again.
  assert.equal(layer.getClassName(), 'SpatialDropout2D');
  assert.equal(layer.getConfig().rate, 0.5);
  tf.dispose([x, y, inf]);
});

test('the same seed builds the same weights; another seed, others', () => {
  const cfg = modelCfg({ blocks: [1], widths: [4] });
  const build = (seed: number) => buildResNet(cfg, { inputShape: [6, 6, 3], numClasses: 3 }, { seed });
  const [a, b, c] = [build(1), build(1), build(2)];
  const w = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  [a, b, c].forEach((m) => {
    m.dispose();
  });
});

test('tinynet model summary prints the layer table and the parameter count', () => {
  const run = (args: string[]) =>
    spawnSync(
      process.execPath,
      [path.join(PACKAGE_ROOT, 'dist/cli/main.js'), 'model', 'summary', '--config', path.join(PACKAGE_ROOT, 'configs/config.yaml'), ...args],
      { encoding: 'utf8' },
    );
  const json = run(['--json', '--set', 'model.blocks=[2,2,2]']);
  assert.equal(json.status, 0, json.stderr);
  const s = JSON.parse(json.stdout);
  assert.equal(s.totalParams, expectedParams([2, 2, 2], [64, 128, 256], 200).total);
  const text = run([]);
  assert.match(text.stdout, /s3b3_conv2\s+Conv2D\s+\[N, 16, 16, 256\]\s+589 824/);
  assert.match(text.stdout, /trainable parameters:\s+4 376 584/);
});
