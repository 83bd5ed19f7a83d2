/**
 * Each converter on a small model built for it (random weights), exported and run in
 * onnxruntime-node against TensorFlow.js on the same random batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parity, randomizeWeights } from './helpers.js';
import { Subtract, SpatialDropout2D, KerasReLU, KeepdimsGlobalPool } from './custom-layers.js';

type Sym = tf.SymbolicTensor;
const L = tf.layers;

/** Build input → layers... → output as a functional model and randomize its weights. */
function chain(inputShape: number[], ...layers: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x: Sym = input;
  for (const layer of layers) x = layer.apply(x) as Sym;
  const model = tf.model({ inputs: input, outputs: x });
  randomizeWeights(model);
  return model;
}

async function expectParity(model: tf.LayersModel, tol = 1e-4, batch = 2): Promise<void> {
  const { diffs, scale } = await parity(model, { batch });
  diffs.forEach((d, i) => {
    assert.ok(d <= tol * scale[i], `output ${i}: max abs diff ${d} > ${tol * scale[i]}`);
  });
}

const conv = (args: Partial<Parameters<typeof L.conv2d>[0]> = {}) => L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', ...args });

test('Conv2D: stride-2 same on odd and even sizes (asymmetric pad), dilation, valid, no bias', async () => {
  await expectParity(chain([9, 9, 3], conv({ strides: 2 })));
  await expectParity(chain([8, 8, 3], conv({ strides: 2 })));
  await expectParity(chain([8, 7, 3], conv({ strides: [2, 1], kernelSize: [3, 2] })));
  await expectParity(chain([10, 10, 2], conv({ dilationRate: 2 })));
  await expectParity(chain([9, 9, 3], conv({ padding: 'valid', strides: 2, useBias: false })));
  await expectParity(chain([7, 7, 3], conv({ kernelSize: 1, activation: 'relu' })));
});

test('DepthwiseConv2D, SeparableConv2D, Conv2DTranspose', async () => {
  await expectParity(chain([9, 9, 3], L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' })));
  await expectParity(chain([8, 8, 3], L.depthwiseConv2d({ kernelSize: 3, padding: 'valid', useBias: false })));
  // tfjs' DepthwiseConv2D ignores dilation_rate; the export matches what tfjs computes.
  await expectParity(chain([9, 9, 2], L.depthwiseConv2d({ kernelSize: 3, padding: 'same', dilationRate: 2 })));
  await expectParity(chain([9, 9, 2], L.separableConv2d({ filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2 })));
  await expectParity(chain([9, 9, 3], L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' })));
  await expectParity(chain([5, 5, 3], L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })));
  await expectParity(chain([5, 4, 3], L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' })));
  await expectParity(chain([5, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', useBias: false })));
  await expectParity(chain([5, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 1, padding: 'same' })));
  await expectParity(chain([4, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 2, padding: 'same' })));
  await expectParity(chain([4, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 3, padding: 'valid', activation: 'relu' })));
});

test('BatchNormalization: after conv (folded), standalone on NCHW, on Dense output, without center/scale', async () => {
  await expectParity(chain([8, 8, 3], conv(), L.batchNormalization()));
  await expectParity(chain([8, 8, 3], L.batchNormalization({ epsilon: 0.01 })));
  await expectParity(chain([6], L.dense({ units: 4 }), L.batchNormalization()));
  await expectParity(chain([8, 8, 3], conv({ useBias: false }), L.batchNormalization({ center: false, scale: false })));
  // (A non-last axis is not tested against tfjs: tfjs 4.22 itself broadcasts gamma/beta along the wrong axis there.)
});

test('Dense on rank 2 and rank > 2', async () => {
  await expectParity(chain([6], L.dense({ units: 4, activation: 'tanh' }), L.dense({ units: 3, useBias: false })));
  await expectParity(chain([4, 5], L.dense({ units: 3 })));
  await expectParity(chain([3, 4, 5], L.dense({ units: 2, activation: 'sigmoid' })));
  await expectParity(chain([4, 4, 3], conv(), L.dense({ units: 2 }), conv()));
});

// tfjs's ActivationIdentifier type lacks 'logSoftmax', which its layers accept.
type ActivationName = Parameters<typeof L.activation>[0]['activation'];

test('every Activation', async () => {
  const names = [
    'linear',
    'relu',
    'relu6',
    'elu',
    'selu',
    'gelu',
    'gelu_new',
    'sigmoid',
    'hardSigmoid',
    'tanh',
    'softmax',
    'softplus',
    'softsign',
    'swish',
    'mish',
    'logSoftmax',
  ];
  for (const activation of names) {
    await expectParity(chain([5, 5, 2], conv(), L.activation({ activation: activation as ActivationName })), 1e-4);
  }
  await expectParity(chain([6], L.dense({ units: 5, activation: 'softmax' })));
});

test('ReLU(max_value), LeakyReLU, ELU, ThresholdedReLU, PReLU, Softmax', async () => {
  await expectParity(chain([5, 5, 2], conv(), L.reLU({ maxValue: 0.3 })));
  await expectParity(chain([5, 5, 2], conv(), L.reLU()));
  await expectParity(chain([5, 5, 2], conv(), L.leakyReLU({ alpha: 0.2 })));
  await expectParity(chain([5, 5, 2], conv(), L.elu({})));
  await expectParity(chain([5, 5, 2], conv(), L.thresholdedReLU({ theta: 0.1 })));
  await expectParity(chain([5, 5, 2], conv(), L.prelu({})));
  await expectParity(chain([5, 5, 2], conv(), L.prelu({ sharedAxes: [1, 2] })));
  await expectParity(chain([5, 5, 2], conv(), L.softmax({ axis: -1 })));
  // Keras-only ReLU arguments (a Keras ReLU class; tfjs' own implements max_value only).
  await expectParity(chain([5, 5, 2], conv(), new KerasReLU({ negativeSlope: 0.1, threshold: 0.2, maxValue: 0.8 })));
  await expectParity(chain([5, 5, 2], conv(), new KerasReLU({ negativeSlope: 0.3, threshold: 0 })));
});

test('ZeroPadding2D, Cropping2D, UpSampling2D (nearest, bilinear)', async () => {
  await expectParity(
    chain(
      [5, 5, 2],
      conv(),
      L.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 3],
        ],
      }),
    ),
  );
  await expectParity(chain([5, 5, 2], conv(), L.zeroPadding2d({ padding: 1 })));
  await expectParity(
    chain(
      [7, 6, 2],
      conv(),
      L.cropping2D({
        cropping: [
          [1, 2],
          [0, 3],
        ],
      }),
    ),
  );
  await expectParity(chain([4, 3, 2], conv(), L.upSampling2d({ size: [2, 3] })));
  await expectParity(chain([4, 3, 2], conv(), L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })));
});

test('MaxPooling2D and AveragePooling2D (same excludes the padding from the mean), global pools', async () => {
  await expectParity(chain([9, 9, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })));
  await expectParity(chain([8, 8, 2], L.maxPooling2d({ poolSize: 2 })));
  await expectParity(chain([8, 8, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })));
  await expectParity(chain([8, 8, 2], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })));
  await expectParity(chain([9, 9, 2], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })));
  await expectParity(chain([7, 8, 2], L.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' })));
  await expectParity(chain([9, 9, 2], L.averagePooling2d({ poolSize: 2, padding: 'valid' })));
  await expectParity(chain([5, 5, 2], conv(), L.globalAveragePooling2d({})));
  await expectParity(chain([5, 5, 2], conv(), L.globalMaxPooling2d({})));
  // keepdims (Keras): [N, 1, 1, C], then a conv keeps working in NCHW.
  await expectParity(chain([5, 5, 2], conv(), new KeepdimsGlobalPool('max'), conv({ kernelSize: 1 })));
  await expectParity(chain([5, 5, 2], conv(), new KeepdimsGlobalPool('avg'), L.flatten()));
});

test('Flatten after conv keeps the channels-last element order; Reshape; Permute', async () => {
  await expectParity(chain([5, 4, 3], conv(), L.flatten(), L.dense({ units: 3 })));
  await expectParity(chain([5, 4, 3], conv(), L.reshape({ targetShape: [10, 8] })));
  await expectParity(chain([5, 4, 3], conv(), L.reshape({ targetShape: [-1, 4] }), L.dense({ units: 2 })));
  await expectParity(chain([5, 4, 3], conv(), L.permute({ dims: [3, 1, 2] })));
  await expectParity(chain([5, 4, 3], conv(), L.permute({ dims: [2, 1, 3] }), conv()));
});

test('merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate (channel and other axes)', async () => {
  for (const make of [
    () => L.add(),
    () => new Subtract({}),
    () => L.multiply(),
    () => L.average(),
    () => L.maximum(),
    () => L.minimum(),
    () => L.concatenate(),
    () => L.concatenate({ axis: 2 }),
    () => L.concatenate({ axis: 1 }),
  ]) {
    const input = tf.input({ shape: [6, 5, 3] });
    const a = conv().apply(input) as Sym;
    const b = conv({ activation: 'relu' }).apply(input) as Sym;
    const model = tf.model({ inputs: input, outputs: make().apply([a, b]) as Sym });
    randomizeWeights(model);
    await expectParity(model);
  }
  // Three inputs, one of them still channels-last (the raw input).
  const input = tf.input({ shape: [6, 5, 4] });
  const a = conv().apply(input) as Sym;
  const model = tf.model({ inputs: input, outputs: L.add().apply([a, input, a]) as Sym });
  randomizeWeights(model);
  await expectParity(model);
});

test('squeeze-and-excitation block: Reshape to [1,1,C], 1×1 convs, broadcast Multiply (MobileNetV3 style)', async () => {
  const input = tf.input({ shape: [6, 6, 8] });
  const x = conv({ filters: 8 }).apply(input) as Sym;
  let se = L.globalAveragePooling2d({}).apply(x) as Sym;
  se = L.reshape({ targetShape: [1, 1, 8] }).apply(se) as Sym;
  se = L.conv2d({ filters: 2, kernelSize: 1, activation: 'relu' }).apply(se) as Sym;
  se = L.conv2d({ filters: 8, kernelSize: 1, activation: 'hardSigmoid' }).apply(se) as Sym;
  const model = tf.model({ inputs: input, outputs: L.multiply().apply([x, se]) as Sym });
  randomizeWeights(model);
  await expectParity(model);
});

test('Rescaling', async () => {
  await expectParity(chain([5, 5, 3], L.rescaling({ scale: 1 / 127.5, offset: -1 }), conv()));
});

test('dropout family vanishes: Dropout (with noise shape), SpatialDropout2D, GaussianNoise, GaussianDropout, AlphaDropout', async () => {
  const model = chain(
    [6, 6, 3],
    conv(),
    L.dropout({ rate: 0.5, noiseShape: [null, 1, 1, 4] as unknown as number[] }),
    new SpatialDropout2D({ rate: 0.5 }),
    L.gaussianNoise({ stddev: 1 }),
    L.gaussianDropout({ rate: 0.5 }),
    L.alphaDropout({ rate: 0.5 }),
    L.flatten(),
    L.dropout({ rate: 0.3 }),
  );
  const { diffs, result } = await parity(model);
  assert.ok(diffs[0] < 1e-5);
  // Transpose to NCHW, Conv, Transpose back, Flatten: nothing else.
  assert.equal(result.nodeCount, 4);
});

test('Sequential, nested Sequential and nested functional models', async () => {
  const seq = tf.sequential({
    layers: [L.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), L.maxPooling2d({ poolSize: 2 })],
  });
  randomizeWeights(seq);
  await expectParity(seq);

  const innerIn = tf.input({ shape: [3, 3, 4] });
  const innerOut = L.add().apply([innerIn, conv().apply(innerIn) as Sym]) as Sym;
  const inner = tf.model({ inputs: innerIn, outputs: innerOut, name: 'residual' });
  const input = tf.input({ shape: [6, 6, 3] });
  let x = seq.apply(input) as Sym;
  x = inner.apply(x) as Sym;
  x = inner.apply(x) as Sym; // the same nested model called twice
  const head = tf.sequential({ layers: [L.globalAveragePooling2d({ inputShape: [3, 3, 4] }), L.dense({ units: 3 })] });
  const model = tf.model({ inputs: input, outputs: head.apply(x) as Sym });
  randomizeWeights(model);
  await expectParity(model);
});

test('two inputs, two outputs keep their names', async () => {
  const a = tf.input({ shape: [4, 4, 2], name: 'left' });
  const b = tf.input({ shape: [4, 4, 2], name: 'right' });
  const sum = L.add({ name: 'sum' }).apply([conv().apply(a) as Sym, conv().apply(b) as Sym]) as Sym;
  const pooled = L.globalAveragePooling2d({ name: 'pooled' }).apply(sum) as Sym;
  const model = tf.model({ inputs: [a, b], outputs: [sum, pooled] });
  randomizeWeights(model);
  const { diffs, result } = await parity(model);
  assert.deepEqual(
    result.inputs.map((i) => i.name),
    ['left', 'right'],
  );
  assert.deepEqual(
    result.outputs.map((o) => o.name),
    ['sum', 'pooled'],
  );
  diffs.forEach((d) => {
    assert.ok(d < 1e-4);
  });
});

test('a long mixed chain (layouts switching back and forth) stays exact', async () => {
  const input = tf.input({ shape: [9, 9, 3] });
  let x = conv({ strides: 2 }).apply(input) as Sym;
  const a = L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }).apply(x) as Sym;
  const b = L.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
  x = L.concatenate().apply([a, b]) as Sym;
  x = L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  x = L.activation({ activation: 'gelu' }).apply(x) as Sym;
  x = L.zeroPadding2d({ padding: 1 }).apply(x) as Sym;
  x = L.cropping2D({
    cropping: [
      [1, 0],
      [0, 1],
    ],
  }).apply(x) as Sym;
  x = L.upSampling2d({ size: [2, 2] }).apply(x) as Sym;
  x = L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  x = L.prelu({}).apply(x) as Sym;
  x = L.reLU({ maxValue: 6 }).apply(x) as Sym;
  x = L.permute({ dims: [2, 1, 3] }).apply(x) as Sym;
  x = L.batchNormalization().apply(x) as Sym;
  x = L.maxPooling2d({ poolSize: 2 }).apply(x) as Sym;
  x = L.flatten().apply(x) as Sym;
  x = L.dense({ units: 5, activation: 'softmax' }).apply(x) as Sym;
  const model = tf.model({ inputs: input, outputs: x });
  randomizeWeights(model);
  await expectParity(model, 1e-5, 3);
});
