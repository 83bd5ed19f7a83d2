/**
 * Each gradient builder, through the layer that emits its op, against TensorFlow.js (`cpu`) and
 * against finite differences, on random shapes: strides 1 and 2, 1×1 and 3×3 kernels, odd sizes,
 * 'same' and 'valid' padding, dilation, biases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineGradients, finiteDifferenceError, problem, relativeError, tfjsGradients } from './harness.js';
import { SpatialDropout2D } from '../../../train/model/spatial-dropout.js';

await tf.setBackend('cpu');

const TFJS_TOLERANCE = 1e-4;
const FD_TOLERANCE = 2e-2;

/** `tfjs: false` where TensorFlow.js has no gradient to compare with (dilated convolutions). */
async function check(name: string, build: () => tf.LayersModel, batch = 3, opts: { tfjs?: boolean } = {}) {
  await test(name, async () => {
    const model = build();
    const p = problem(model, batch);
    const ours = await engineGradients(p);
    if (opts.tfjs !== false) compareWithTfjs(ours.byName, tfjsGradients(p).byName);
    for (const [key, err] of await finiteDifferenceError(p, ours)) assert.ok(err < FD_TOLERANCE, `${key}: finite-difference error ${err.toExponential(2)}`);
    model.dispose();
  });
}

function compareWithTfjs(ours: Map<string, Float32Array>, ref: Map<string, Float32Array>) {
  assert.equal(ours.size, ref.size, `gradients for ${[...ref.keys()]}, got ${[...ours.keys()]}`);
  for (const [key, want] of ref) {
    const got = ours.get(key);
    assert.ok(got, `no gradient for ${key}`);
    const err = relativeError(got, want);
    assert.ok(err < TFJS_TOLERANCE, `${key}: relative error ${err.toExponential(2)} against tfjs`);
  }
}

const single = (inputShape: number[], layer: tf.layers.Layer) => {
  const input = tf.input({ shape: inputShape });
  return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
};
const conv = (o: Partial<Parameters<typeof tf.layers.conv2d>[0]>) =>
  tf.layers.conv2d({
    filters: 5,
    kernelSize: 3,
    padding: 'same',
    kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
    biasInitializer: tf.initializers.randomNormal({ seed: 4 }),
    ...o,
  });

for (const size of [7, 8]) {
  for (const kernelSize of [1, 3]) {
    for (const strides of [1, 2]) {
      for (const padding of ['same', 'valid'] as const) {
        await check(`Conv ${kernelSize}×${kernelSize} stride ${strides} ${padding} on ${size}×${size}`, () =>
          single([size, size, 4], conv({ kernelSize, strides, padding })),
        );
      }
    }
  }
}
await check('Conv 3×3 dilation 2, no bias (tfjs has no dilated gradient)', () => single([9, 9, 3], conv({ dilationRate: 2, useBias: false })), 3, {
  tfjs: false,
});
await check('Conv 3×3 with a fused relu', () => single([6, 6, 3], conv({ activation: 'relu' })));

/** After a bias-free conv, as in the model: a bias before BatchNorm has a zero gradient, nothing to compare. */
const afterConv =
  (layer: tf.layers.Layer, size = 5) =>
  () => {
    const input = tf.input({ shape: [size, size, 3] });
    const y = conv({ filters: 4, useBias: false }).apply(input) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: layer.apply(y) as tf.SymbolicTensor });
  };
await check(
  'BatchNormalization in training mode',
  afterConv(
    tf.layers.batchNormalization({
      momentum: 0.9,
      epsilon: 1e-5,
      gammaInitializer: tf.initializers.randomNormal({ mean: 1, stddev: 0.3, seed: 5 }),
      betaInitializer: tf.initializers.randomNormal({ seed: 6 }),
    }),
  ),
  5,
);
for (const activation of ['relu', 'elu', 'selu', 'gelu', 'sigmoid', 'tanh'] as const) {
  await check(`Activation ${activation}`, afterConv(tf.layers.activation({ activation })));
}
await check('LeakyReLU', afterConv(tf.layers.leakyReLU({ alpha: 0.01 })));
await check('SpatialDropout2D with a fixed mask', afterConv(new SpatialDropout2D({ rate: 0.5 })), 4);
await check('Add of two branches, GlobalAveragePooling2D, Dense', () => {
  const input = tf.input({ shape: [6, 6, 3] });
  const a = conv({ filters: 4 }).apply(input) as tf.SymbolicTensor;
  const b = conv({ filters: 4, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(sum) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }) }).apply(pooled) as tf.SymbolicTensor,
  });
});
