import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import { selectBackend } from '../../train/backend/select.js';
import { onBackend, randomArray, relativeError } from '../helpers/backend-compare.js';

process.env.TINYNET_LOG = 'warn';

before(async () => {
  await selectBackend('wasm', { threads: 2 });
});

interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

/** Every stride × padding × kernel combination, on odd and even sizes, batch 1–3. */
function convCases(): ConvCase[] {
  const rng = new Rng(2024);
  const cases: ConvCase[] = [];
  for (const k of [1, 3]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const [h, w] of [
          [7, 9],
          [8, 8],
          [5, 6],
        ]) {
          cases.push({ n: 1 + rng.int(3), h, w, ci: 1 + rng.int(6), co: 1 + rng.int(6), k, s, pad });
        }
      }
    }
  }
  cases.push({ n: 4, h: 16, w: 16, ci: 16, co: 24, k: 3, s: 1, pad: 'same' });
  cases.push({ n: 2, h: 15, w: 17, ci: 8, co: 16, k: 3, s: 2, pad: 'same' });
  // Stride 3: phases with one tap, and (for 1×1 or 'valid') phases with none.
  for (const pad of ['same', 'valid'] as const) {
    for (const k of [1, 3]) cases.push({ n: 2, h: 10, w: 11, ci: 3, co: 5, k, s: 3, pad });
  }
  return cases;
}

function label(c: ConvCase): string {
  return `${c.k}x${c.k} s${c.s} ${c.pad} x[${c.n},${c.h},${c.w},${c.ci}] → ${c.co}`;
}

function outSize(size: number, c: ConvCase): number {
  return c.pad === 'same' ? Math.ceil(size / c.s) : Math.floor((size - c.k) / c.s) + 1;
}

test('Conv2DBackpropFilter on wasm matches cpu (stride 1/2, same/valid, 1×1/3×3, odd sizes)', async () => {
  let seed = 1;
  for (const c of convCases()) {
    const ho = outSize(c.h, c),
      wo = outSize(c.w, c);
    const rng = new Rng(seed++);
    const x = randomArray(rng, c.n * c.h * c.w * c.ci);
    const dy = randomArray(rng, c.n * ho * wo * c.co);
    const run = () => [
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), dy: tf.tensor4d(dy, [c.n, ho, wo, c.co]) }, {
        strides: [c.s, c.s],
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape: [c.k, c.k, c.ci, c.co],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ];
    const [wasm] = await onBackend('wasm', run);
    const [cpu] = await onBackend('cpu', run);
    const err = relativeError(wasm, cpu);
    assert.ok(err < 1e-5, `${label(c)}: relative error ${err}`);
  }
});

test('Conv2DBackpropInput on wasm matches cpu (stride 1/2, same/valid, 1×1/3×3, odd sizes)', async () => {
  let seed = 100;
  for (const c of convCases()) {
    const ho = outSize(c.h, c),
      wo = outSize(c.w, c);
    const rng = new Rng(seed++);
    const filter = randomArray(rng, c.k * c.k * c.ci * c.co);
    const dy = randomArray(rng, c.n * ho * wo * c.co);
    const run = () => [
      tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, [c.n, ho, wo, c.co]), filter: tf.tensor4d(filter, [c.k, c.k, c.ci, c.co]) }, {
        strides: [c.s, c.s],
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        inputShape: [c.n, c.h, c.w, c.ci],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ];
    const [wasm] = await onBackend('wasm', run);
    const [cpu] = await onBackend('cpu', run);
    const err = relativeError(wasm, cpu);
    assert.ok(err < 1e-5, `${label(c)}: relative error ${err}`);
  }
});

test('Sum and Mean on wasm accumulate in float64 (match a float64 reference, any axes, keepDims)', async () => {
  const rng = new Rng(5);
  // 5 channels take the JS loop; 8 (a multiple of 4) the SIMD kernel.
  for (const shape of [
    [3, 37, 41, 5],
    [3, 37, 41, 8],
  ]) {
    // An offset makes float32 accumulation visibly drift over the 1 517-element BatchNorm-style reductions.
    const x = randomArray(rng, tf.util.sizeFromShape(shape)).map((v) => v + 1000);
    for (const axis of [[0, 1, 2], [3], [1, 2], [0, 2], [0, 1, 2, 3], [1]]) {
      for (const keepDims of [false, true]) {
        const [sum, mean] = await onBackend('wasm', () => {
          const t = tf.tensor(x, shape);
          return [tf.sum(t, axis, keepDims), tf.mean(t, axis, keepDims)];
        });
        const [cpuSum] = await onBackend('cpu', () => [tf.sum(tf.tensor(x, shape), axis, keepDims)]);
        assert.equal(sum.length, cpuSum.length);
        // float64 reference
        const reduce = new Set(axis);
        const ref = new Float64Array(sum.length);
        const counts = new Float64Array(sum.length);
        const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
        for (let i = 0; i < x.length; i++) {
          let o = 0;
          let mul = 1;
          for (let d = shape.length - 1; d >= 0; d--) {
            if (reduce.has(d)) continue;
            o += (Math.floor(i / strides[d]) % shape[d]) * mul;
            mul *= shape[d];
          }
          ref[o] += x[i];
          counts[o] += 1;
        }
        const refMean = ref.map((v, i) => v / counts[i]);
        assert.ok(relativeError(sum, Float32Array.from(ref)) < 1e-7, `sum [${shape}] axis ${axis} keepDims ${keepDims}`);
        assert.ok(relativeError(mean, Float32Array.from(refMean)) < 1e-7, `mean [${shape}] axis ${axis} keepDims ${keepDims}`);
      }
    }
  }
  const [ints] = await onBackend('wasm', () => [tf.sum(tf.tensor([1, 2, 3, 4], [2, 2], 'int32'), 0)]);
  assert.deepEqual(Array.from(ints), [4, 6]);
});

test('Tile on wasm matches cpu (ranks 1–4, float32/int32/bool, reps with 1s)', async () => {
  const rng = new Rng(9);
  const cases: { shape: number[]; reps: number[] }[] = [
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] }, // BatchNorm's gradient pattern
    { shape: [2, 3], reps: [2, 3] },
    { shape: [4], reps: [5] },
    { shape: [2, 1, 3], reps: [1, 4, 2] },
    { shape: [3, 2, 2, 2], reps: [2, 1, 3, 2] },
  ];
  for (const { shape, reps } of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const floats = randomArray(rng, n);
    const ints = Int32Array.from({ length: n }, () => rng.int(100) - 50);
    const bools = Uint8Array.from({ length: n }, () => rng.int(2));
    const run = () => [
      tf.tile(tf.tensor(floats, shape), reps),
      tf.cast(tf.tile(tf.tensor(ints, shape, 'int32'), reps), 'float32'),
      tf.cast(tf.tile(tf.tensor(bools, shape, 'bool'), reps), 'float32'),
    ];
    const wasm = await onBackend('wasm', run);
    const cpu = await onBackend('cpu', run);
    wasm.forEach((w, i) => {
      assert.deepEqual(Array.from(w), Array.from(cpu[i]), `tile ${shape} × ${reps} (output ${i})`);
    });
  }
});

test('Identity on wasm shares memory safely: a clone outlives its disposed source', async () => {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const a = tf.tensor([1, 2, 3, 4], [2, 2]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
  const c = tf.add(b, 1);
  b.dispose();
  assert.deepEqual(Array.from(c.dataSync()), [2, 3, 4, 5]);
  c.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('FusedBatchNorm on wasm matches cpu (SIMD for channels % 4 = 0, stock otherwise; per-channel or single values; no offset/scale)', async () => {
  const rng = new Rng(77);
  for (const channels of [8, 12, 5]) {
    const shape = [2, 5, 3, channels];
    const x = randomArray(rng, tf.util.sizeFromShape(shape)).map((v) => 3 * v + 10);
    const mean = randomArray(rng, channels).map((v) => v + 10);
    const variance = randomArray(rng, channels).map((v) => 9 + Math.abs(v));
    const offset = randomArray(rng, channels);
    const scale = randomArray(rng, channels);
    const cases: [string, () => tf.Tensor][] = [
      ['all per channel', () => tf.batchNorm(tf.tensor(x, shape), tf.tensor1d(mean), tf.tensor1d(variance), tf.tensor1d(offset), tf.tensor1d(scale), 1e-3)],
      [
        '[1,1,1,C] stats, no offset/scale',
        () => tf.batchNorm(tf.tensor(x, shape), tf.tensor(mean, [1, 1, 1, channels]), tf.tensor(variance, [1, 1, 1, channels]), undefined, undefined, 1e-5),
      ],
      [
        'single variance and scale',
        () => tf.batchNorm(tf.tensor(x, shape), tf.tensor1d(mean), tf.tensor1d([4]), tf.tensor1d(offset), tf.tensor1d([0.5]), 1e-3),
      ],
    ];
    for (const [name, run] of cases) {
      const [wasm] = await onBackend('wasm', () => [run()]);
      const [cpu] = await onBackend('cpu', () => [run()]);
      const err = relativeError(wasm, cpu);
      assert.ok(err < 1e-6, `${channels} channels, ${name}: relative error ${err}`);
    }
  }
});

test('Add/Sub/Multiply/RealDiv on wasm (SIMD loops) match cpu in every broadcast mode, with odd tails', async () => {
  const rng = new Rng(31);
  const layouts: [string, number[], number[]][] = [
    ['same, 2·3·5·7 values (tail of 2)', [2, 3, 5, 7], [2, 3, 5, 7]],
    ['scalar right', [3, 5, 7], []],
    ['scalar left', [1], [4, 9]],
    ['per channel right [C]', [2, 3, 5, 8], [8]],
    ['per channel right [1,1,1,C]', [2, 3, 5, 12], [1, 1, 1, 12]],
    ['per channel left', [1, 1, 1, 8], [2, 5, 3, 8]],
    ['other broadcast (stock kernel)', [2, 1, 8], [1, 3, 8]],
    ['channels not a multiple of 4 (stock kernel)', [2, 3, 6], [6]],
  ];
  for (const [name, sa, sb] of layouts) {
    // b away from 0 so that RealDiv stays finite.
    const a = randomArray(rng, tf.util.sizeFromShape(sa));
    const b = randomArray(rng, tf.util.sizeFromShape(sb)).map((v) => (v < 0 ? v - 0.5 : v + 0.5));
    for (const [op, fn] of Object.entries({ add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div })) {
      const run = () => [fn(tf.tensor(a, sa), tf.tensor(b, sb))];
      const [wasm] = await onBackend('wasm', run);
      const [cpu] = await onBackend('cpu', run);
      assert.equal(wasm.length, cpu.length, `${name} ${op}: size`);
      const err = relativeError(wasm, cpu);
      assert.ok(err < 1e-6, `${name} ${op}: relative error ${err}`);
    }
  }
});

test('binaryMode picks the SIMD loop only for layouts it handles', async () => {
  const { binaryMode } = await import('../../train/backend/wasm-kernels/binary-ops.js');
  assert.equal(binaryMode([2, 3], [2, 3], [2, 3]), 'same');
  assert.equal(binaryMode([2, 3], [], [2, 3]), 'scalar_right');
  assert.equal(binaryMode([1, 1], [2, 3], [2, 3]), 'scalar_left');
  assert.equal(binaryMode([2, 4, 8], [8], [2, 4, 8]), 'channel_right');
  assert.equal(binaryMode([1, 1, 8], [2, 4, 8], [2, 4, 8]), 'channel_left');
  assert.equal(binaryMode([2, 4, 6], [6], [2, 4, 6]), null, 'channels not a multiple of 4');
  assert.equal(binaryMode([2, 1, 8], [1, 4, 8], [2, 4, 8]), null, 'both sides broadcast');
  assert.equal(binaryMode([2, 4, 8], [4, 1], [2, 4, 8]), null, 'broadcast along another axis');
});
