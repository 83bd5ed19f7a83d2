import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildResNet } from '../../../train/model/index.js';
import { runSanity, formatSanity } from '../../../train/protocol/sanity.js';
import { decodeEvents } from '../../helpers/tb-decoder.js';
import { tinyConfig, tinyData } from '../helpers.js';
import { selectBackend } from '../../../train/backend/select.js';
import { gradientCut, deadLayer } from './broken-layers.js';

process.env.TINYNET_LOG = 'warn';

// The wasm backend runs these tiny models ~3× faster than the pure-JS one.
before(() => selectBackend('wasm', { threads: 1 }));

const sanityConfig = (over: Record<string, unknown> = {}) => {
  const { config, hash } = tinyConfig({ train: { batch_size: 8, lr: 1e-2 } });
  config.sanity = { ...config.sanity, overfit_size: 16, overfit_epochs: 40, overfit_lr: 2e-2, overfit_threshold: 0.1, initial_loss_tolerance: 0.5, ...over };
  return { config, hash };
};

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tinynet-sanity-'));

test('sanity passes on a tiny model and toy data, with numbers for each check and the overfit curve in TensorBoard', async () => {
  const { config, hash } = sanityConfig();
  const data = tinyData(32, 16);
  const overfitData = tinyData(16, 16);
  // The overfit run validates on its own train subset.
  const tb = tmp();
  const res = await runSanity({
    config,
    configHash: hash,
    expectedInputShape: [8, 8, 3],
    data,
    overfitData: { ...overfitData, valBatches: (b) => overfitData.trainBatches(0, b) },
    buildModel: () => buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: config.seed }),
    tensorboardDir: tb,
    command: 'test',
  });
  const text = formatSanity(res);
  assert.equal(res.passed, true, text);
  assert.deepEqual(
    res.checks.map((c) => c.name),
    ['batch_shape', 'initial_loss', 'gradients', 'overfit'],
  );
  assert.deepEqual(res.checks[0].values.batch, [8, 8, 8, 3]);
  assert.deepEqual(res.model.outputShape, [8, 4]);
  assert.ok(Math.abs((res.checks[1].values.loss as number) - Math.log(4)) < 0.5 * Math.log(4));
  assert.ok((res.checks[3].values.final_loss as number) < 0.1);
  assert.match(text, /PASS {2}initial_loss +initial loss \d\.\d{4} vs ln\(4\) = 1\.3863/);
  assert.equal(res.overfit_history.length, 40);
  assert.ok(res.model.trainableParams > 0);
  const files = readdirSync(tb);
  assert.equal(files.length, 1);
  const losses = decodeEvents(path.join(tb, files[0])).values.filter((v) => v.tag === 'train/loss');
  assert.equal(losses.length, 40, 'one train/loss point per overfit epoch');
});

test('sanity fails the overfit check when the LR is effectively zero', async () => {
  const { config, hash } = sanityConfig({ overfit_lr: 1e-9, overfit_epochs: 4 });
  const data = tinyData(16, 8);
  const res = await runSanity({
    config,
    configHash: hash,
    expectedInputShape: [8, 8, 3],
    data,
    overfitData: tinyData(16, 8),
    buildModel: () => buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: config.seed }),
    tensorboardDir: tmp(),
    command: 'test',
  });
  assert.equal(res.passed, false);
  const overfit = res.checks.find((c) => c.name === 'overfit')!;
  assert.equal(overfit.passed, false);
  assert.ok((overfit.values.final_loss as number) > 0.5, overfit.detail);
  assert.equal(res.checks.find((c) => c.name === 'gradients')!.passed, true, 'the model itself is fine');
});

test('sanity names the tensors a broken layer cuts off from the gradient, and the broken model cannot overfit', async () => {
  const { config, hash } = sanityConfig({ overfit_epochs: 10 });
  const data = tinyData(16, 8);
  // conv_a → [gradient cut] → conv_b → [dead: output × 0] → pool → logits
  const build = () => {
    const input = tf.input({ shape: [8, 8, 3] });
    let x = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv_a', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) })
      .apply(input) as tf.SymbolicTensor;
    x = gradientCut('cut').apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv_b', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) })
      .apply(x) as tf.SymbolicTensor;
    x = deadLayer('dead').apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  };
  const res = await runSanity({
    config,
    configHash: hash,
    expectedInputShape: [8, 8, 3],
    data,
    overfitData: tinyData(16, 8),
    buildModel: build,
    tensorboardDir: tmp(),
    command: 'test',
  });
  const grads = res.checks.find((c) => c.name === 'gradients')!;
  assert.equal(grads.passed, false);
  const zero = grads.values.zero as string[];
  for (const name of ['conv_a/kernel', 'conv_a/bias', 'conv_b/kernel', 'conv_b/bias', 'logits/kernel']) assert.ok(zero.includes(name), `${name} in ${zero}`);
  assert.ok(!zero.includes('logits/bias'), 'the logits bias still learns');
  assert.match(grads.detail, /conv_a\/kernel \(all zero\)/);
  assert.equal(res.checks.find((c) => c.name === 'overfit')!.passed, false, 'a dead layer cannot overfit');
  assert.equal(res.passed, false);
});

test('sanity reports a batch whose shape disagrees with meta.input_shape', async () => {
  const { config, hash } = sanityConfig({ overfit_epochs: 1 });
  const res = await runSanity({
    config,
    configHash: hash,
    expectedInputShape: [64, 64, 3],
    data: tinyData(16, 8),
    overfitData: tinyData(8, 8),
    buildModel: () => buildResNet(config.model, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: config.seed }),
    tensorboardDir: tmp(),
    command: 'test',
  });
  const shape = res.checks.find((c) => c.name === 'batch_shape')!;
  assert.equal(shape.passed, false);
  assert.match(shape.detail, /DISAGREES/);
});
