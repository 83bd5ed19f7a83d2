import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { Rng } from '../../core/rng.js';
import { convGradModel, samePadding, type ConvShape } from '../../bench/ort-conv-grad-graph.js';
import { relativeError } from '../helpers/backend-compare.js';

await tf.setBackend('cpu');

const cases: ConvShape[] = [
  { n: 2, ci: 3, co: 4, size: 7, k: 3, stride: 1 },
  { n: 2, ci: 3, co: 5, size: 8, k: 3, stride: 2 },
  { n: 1, ci: 4, co: 2, size: 7, k: 3, stride: 2 },
  { n: 2, ci: 6, co: 4, size: 8, k: 1, stride: 2 },
];

for (const c of cases) {
  test(`ONNX forward/input/filter gradient graphs match TensorFlow.js (k${c.k} s${c.stride}, ${c.size}×${c.size}, ${c.ci}→${c.co})`, async () => {
    const rng = new Rng(c.size * 10 + c.k + c.stride);
    const { out } = samePadding(c);
    const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const x = tf.tensor4d(random(c.n * c.size * c.size * c.ci), [c.n, c.size, c.size, c.ci]);
    const w = tf.tensor4d(random(c.k * c.k * c.ci * c.co), [c.k, c.k, c.ci, c.co]);
    const dy = tf.tensor4d(random(c.n * out * out * c.co), [c.n, out, out, c.co]);
    const y = tf.conv2d(x, w, c.stride, 'same');
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, 'same'), dy)))([x, w]);
    const nchw = (t: tf.Tensor) => tf.transpose(t, [0, 3, 1, 2]);
    const session = await ort.InferenceSession.create(convGradModel(c, ['forward', 'input', 'filter']));
    const feed = (t: tf.Tensor) => new ort.Tensor('float32', t.dataSync() as Float32Array, t.shape);
    const result = await session.run({ x: feed(nchw(x)), w: feed(tf.transpose(w, [3, 2, 0, 1])), dy: feed(nchw(dy)) });
    const check = (name: string, got: ort.Tensor, want: tf.Tensor) => {
      assert.deepEqual(got.dims, want.shape, `${name} shape`);
      const err = relativeError(got.data as Float32Array, want.dataSync() as Float32Array);
      assert.ok(err < 1e-5, `${name}: max relative error ${err}`);
    };
    check('y', result.y, nchw(y));
    check('dx', result.dx, nchw(dx));
    check('dw', result.dw, tf.transpose(dw, [3, 2, 0, 1]));
    await session.release();
  });
}

test("networkConvLayers lists every convolution of the benchmark network once per occurrence (FLOPs add up to the model's)", async () => {
  const { networkConvLayers } = await import('../../bench/ort-conv-grad.js');
  const { convFlops } = await import('../../bench/ort-conv-grad-graph.js');
  const { BENCH_NETWORK, benchNetworkForwardFlops } = await import('../../bench/lib/network.js');
  const layers = networkConvLayers();
  assert.equal(
    layers.reduce((a, l) => a + l.count, 0),
    1 + 2 * 9 + 2,
    'stem + 2 convs × 9 blocks + 2 shortcuts',
  );
  assert.deepEqual(
    layers.filter((l) => !l.needsInputGradient).map((l) => l.shape.ci),
    [3],
    'only the stem needs no input gradient',
  );
  const total = layers.reduce((a, l) => a + l.count * convFlops(l.shape), 0);
  const dense = 2 * BENCH_NETWORK.widths[2] * BENCH_NETWORK.classes;
  assert.equal(total, 32 * (benchNetworkForwardFlops(BENCH_NETWORK) - dense));
});
