/**
 * Each converter on a small model built for it (random weights), exported and run in
 * onnxruntime-node against TensorFlow.js on the same random batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parity, randomizeWeights } from '../helpers/export-parity.js';
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

/** One test per case, so that a failing case does not hide the ones after it. */
function parityTests(group: string, cases: Array<[name: string, build: () => tf.LayersModel, tol?: number]>): void {
  for (const [name, build, tol] of cases) test(`${group}: ${name}`, () => expectParity(build(), tol));
}

parityTests('Conv2D', [
  ['stride 2 same on an odd size (asymmetric pad)', () => chain([9, 9, 3], conv({ strides: 2 }))],
  ['stride 2 same on an even size', () => chain([8, 8, 3], conv({ strides: 2 }))],
  ['strides [2, 1], kernel [3, 2]', () => chain([8, 7, 3], conv({ strides: [2, 1], kernelSize: [3, 2] }))],
  ['dilation 2', () => chain([10, 10, 2], conv({ dilationRate: 2 }))],
  ['valid, stride 2, no bias', () => chain([9, 9, 3], conv({ padding: 'valid', strides: 2, useBias: false }))],
  ['1×1 with relu', () => chain([7, 7, 3], conv({ kernelSize: 1, activation: 'relu' }))],
]);

parityTests('DepthwiseConv2D', [
  ['multiplier 2, stride 2 same', () => chain([9, 9, 3], L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }))],
  ['valid, no bias', () => chain([8, 8, 3], L.depthwiseConv2d({ kernelSize: 3, padding: 'valid', useBias: false }))],
  // tfjs' DepthwiseConv2D ignores dilation_rate; the export matches what tfjs computes.
  ['dilation 2 (ignored by tfjs)', () => chain([9, 9, 2], L.depthwiseConv2d({ kernelSize: 3, padding: 'same', dilationRate: 2 }))],
]);

parityTests('SeparableConv2D', [
  ['dilation 2', () => chain([9, 9, 2], L.separableConv2d({ filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2 }))],
  [
    'multiplier 2, stride 2, relu',
    () => chain([9, 9, 3], L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' })),
  ],
]);

parityTests('Conv2DTranspose', [
  ['3×3 stride 2 same', () => chain([5, 5, 3], L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }))],
  ['3×3 stride 2 valid', () => chain([5, 4, 3], L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' }))],
  ['2×2 stride 2 same, no bias', () => chain([5, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', useBias: false }))],
  ['4×4 stride 1 same', () => chain([5, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 1, padding: 'same' }))],
  ['1×1 stride 2 same', () => chain([4, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 2, padding: 'same' }))],
  ['3×3 stride 3 valid, relu', () => chain([4, 5, 3], L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 3, padding: 'valid', activation: 'relu' }))],
]);

// (A non-last axis is not tested against tfjs: tfjs 4.22 itself broadcasts gamma/beta along the wrong axis there.)
parityTests('BatchNormalization', [
  ['after conv (folded)', () => chain([8, 8, 3], conv(), L.batchNormalization())],
  ['standalone on NCHW', () => chain([8, 8, 3], L.batchNormalization({ epsilon: 0.01 }))],
  ['on Dense output', () => chain([6], L.dense({ units: 4 }), L.batchNormalization())],
  ['without center/scale', () => chain([8, 8, 3], conv({ useBias: false }), L.batchNormalization({ center: false, scale: false }))],
]);

parityTests('Dense', [
  ['rank 2, tanh then no bias', () => chain([6], L.dense({ units: 4, activation: 'tanh' }), L.dense({ units: 3, useBias: false }))],
  ['rank 3', () => chain([4, 5], L.dense({ units: 3 }))],
  ['rank 4, sigmoid', () => chain([3, 4, 5], L.dense({ units: 2, activation: 'sigmoid' }))],
  ['between convs', () => chain([4, 4, 3], conv(), L.dense({ units: 2 }), conv())],
]);

// tfjs's ActivationIdentifier type lacks 'logSoftmax', which its layers accept.
type ActivationName = Parameters<typeof L.activation>[0]['activation'];
const ACTIVATIONS = [
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

parityTests('Activation', [
  ...ACTIVATIONS.map((name): [string, () => tf.LayersModel] => [name, () => chain([5, 5, 2], conv(), L.activation({ activation: name as ActivationName }))]),
  ['softmax on Dense', () => chain([6], L.dense({ units: 5, activation: 'softmax' }))],
]);

parityTests('activation layers', [
  ['ReLU(max_value)', () => chain([5, 5, 2], conv(), L.reLU({ maxValue: 0.3 }))],
  ['ReLU', () => chain([5, 5, 2], conv(), L.reLU())],
  ['LeakyReLU', () => chain([5, 5, 2], conv(), L.leakyReLU({ alpha: 0.2 }))],
  ['ELU', () => chain([5, 5, 2], conv(), L.elu({}))],
  ['ThresholdedReLU', () => chain([5, 5, 2], conv(), L.thresholdedReLU({ theta: 0.1 }))],
  ['PReLU', () => chain([5, 5, 2], conv(), L.prelu({}))],
  ['PReLU with shared axes', () => chain([5, 5, 2], conv(), L.prelu({ sharedAxes: [1, 2] }))],
  ['Softmax', () => chain([5, 5, 2], conv(), L.softmax({ axis: -1 }))],
  // Keras-only ReLU arguments (a Keras ReLU class; tfjs' own implements max_value only).
  ['Keras ReLU with slope, threshold and max', () => chain([5, 5, 2], conv(), new KerasReLU({ negativeSlope: 0.1, threshold: 0.2, maxValue: 0.8 }))],
  ['Keras ReLU with slope', () => chain([5, 5, 2], conv(), new KerasReLU({ negativeSlope: 0.3, threshold: 0 }))],
]);

const asymmetric: [[number, number], [number, number]] = [
  [1, 2],
  [0, 3],
];

parityTests('padding, cropping, upsampling', [
  ['ZeroPadding2D asymmetric', () => chain([5, 5, 2], conv(), L.zeroPadding2d({ padding: asymmetric }))],
  ['ZeroPadding2D 1', () => chain([5, 5, 2], conv(), L.zeroPadding2d({ padding: 1 }))],
  ['Cropping2D asymmetric', () => chain([7, 6, 2], conv(), L.cropping2D({ cropping: asymmetric }))],
  ['UpSampling2D nearest', () => chain([4, 3, 2], conv(), L.upSampling2d({ size: [2, 3] }))],
  ['UpSampling2D bilinear', () => chain([4, 3, 2], conv(), L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }))],
]);

// Same-padded AveragePooling2D excludes the padding from the mean.
parityTests('pooling', [
  ['MaxPooling2D 3 stride 2 same, odd size', () => chain([9, 9, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }))],
  ['MaxPooling2D 2', () => chain([8, 8, 2], L.maxPooling2d({ poolSize: 2 }))],
  ['MaxPooling2D 3 stride 2 same, even size', () => chain([8, 8, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }))],
  ['AveragePooling2D 3 stride 2 same, even size', () => chain([8, 8, 2], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }))],
  ['AveragePooling2D 3 stride 2 same, odd size', () => chain([9, 9, 2], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }))],
  ['AveragePooling2D [2, 3] stride 1 same', () => chain([7, 8, 2], L.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' }))],
  ['AveragePooling2D 2 valid', () => chain([9, 9, 2], L.averagePooling2d({ poolSize: 2, padding: 'valid' }))],
  ['GlobalAveragePooling2D', () => chain([5, 5, 2], conv(), L.globalAveragePooling2d({}))],
  ['GlobalMaxPooling2D', () => chain([5, 5, 2], conv(), L.globalMaxPooling2d({}))],
  // keepdims (Keras): [N, 1, 1, C], then a conv keeps working in NCHW.
  ['global max with keepdims, then conv', () => chain([5, 5, 2], conv(), new KeepdimsGlobalPool('max'), conv({ kernelSize: 1 }))],
  ['global average with keepdims, then Flatten', () => chain([5, 5, 2], conv(), new KeepdimsGlobalPool('avg'), L.flatten())],
]);

parityTests('Flatten, Reshape, Permute', [
  ['Flatten after conv keeps the channels-last element order', () => chain([5, 4, 3], conv(), L.flatten(), L.dense({ units: 3 }))],
  ['Reshape', () => chain([5, 4, 3], conv(), L.reshape({ targetShape: [10, 8] }))],
  ['Reshape with -1, then Dense', () => chain([5, 4, 3], conv(), L.reshape({ targetShape: [-1, 4] }), L.dense({ units: 2 }))],
  ['Permute [3, 1, 2]', () => chain([5, 4, 3], conv(), L.permute({ dims: [3, 1, 2] }))],
  ['Permute [2, 1, 3], then conv', () => chain([5, 4, 3], conv(), L.permute({ dims: [2, 1, 3] }), conv())],
]);

/** Two convs of one input merged by the layer. */
function merged(make: () => tf.layers.Layer): tf.LayersModel {
  const input = tf.input({ shape: [6, 5, 3] });
  const a = conv().apply(input) as Sym;
  const b = conv({ activation: 'relu' }).apply(input) as Sym;
  const model = tf.model({ inputs: input, outputs: make().apply([a, b]) as Sym });
  randomizeWeights(model);
  return model;
}

parityTests('merge layers', [
  ['Add', () => merged(() => L.add())],
  ['Subtract', () => merged(() => new Subtract({}))],
  ['Multiply', () => merged(() => L.multiply())],
  ['Average', () => merged(() => L.average())],
  ['Maximum', () => merged(() => L.maximum())],
  ['Minimum', () => merged(() => L.minimum())],
  ['Concatenate on channels', () => merged(() => L.concatenate())],
  ['Concatenate on axis 2', () => merged(() => L.concatenate({ axis: 2 }))],
  ['Concatenate on axis 1', () => merged(() => L.concatenate({ axis: 1 }))],
  [
    // One of the three inputs is still channels-last (the raw input).
    'Add of three inputs, one the raw input',
    () => {
      const input = tf.input({ shape: [6, 5, 4] });
      const a = conv().apply(input) as Sym;
      const model = tf.model({ inputs: input, outputs: L.add().apply([a, input, a]) as Sym });
      randomizeWeights(model);
      return model;
    },
  ],
]);

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

function convPoolSequential(): tf.Sequential {
  return tf.sequential({
    layers: [L.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), L.maxPooling2d({ poolSize: 2 })],
  });
}

test('Sequential', async () => {
  const seq = convPoolSequential();
  randomizeWeights(seq);
  await expectParity(seq);
});

test('nested Sequential and nested functional models', async () => {
  const seq = convPoolSequential();
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
