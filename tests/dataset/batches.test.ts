import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import { createBatchIterator, normalizeBatch, type DatasetMeta, type SplitData } from '../../dataset/index.js';
import { validateConfig } from '../../core/config/index.js';
import '../helpers/dataset-config.js';

const H = 4,
  W = 4,
  N = 10;
const data: SplitData = {
  images: Uint8Array.from({ length: N * H * W * 3 }, (_, i) => (i * 7) % 256),
  labels: Int32Array.from({ length: N }, (_, i) => i % 3),
  n: N,
  height: H,
  width: W,
};
const meta = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], input_shape: [H, W, 3] } as unknown as DatasetMeta;

async function collect(it: ReturnType<typeof createBatchIterator>) {
  const out: { idx: number[]; x: Float32Array; y: number[]; shape: number[] }[] = [];
  for await (const b of it.epoch()) {
    out.push({ idx: [...b.indices], x: b.x.dataSync() as Float32Array, y: [...b.y.dataSync()], shape: b.x.shape });
    assert.equal(b.x.dtype, 'float32');
    assert.equal(b.y.dtype, 'int32');
    tf.dispose([b.x, b.y]);
  }
  return out;
}

test('one epoch visits every row once, y matches the labels, x is the normalized row', async () => {
  const it = createBatchIterator({ data, meta, batchSize: 4, shuffle: true, rng: new Rng(1) });
  assert.equal(it.batchesPerEpoch, 3);
  const before = tf.memory().numTensors;
  const batches = await collect(it);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    batches.map((b) => b.shape),
    [
      [4, H, W, 3],
      [4, H, W, 3],
      [2, H, W, 3],
    ],
  );
  const seen = batches.flatMap((b) => b.idx).sort((a, b) => a - b);
  assert.deepEqual(seen, [...Array(N).keys()]);
  const px = H * W * 3;
  for (const b of batches) {
    b.idx.forEach((row, i) => {
      assert.equal(b.y[i], data.labels[row]);
      const want = normalizeBatch(data.images.subarray(row * px, (row + 1) * px), meta.mean, meta.std);
      assert.deepEqual(b.x.subarray(i * px, (i + 1) * px), want);
    });
  }
});

test('seeded shuffle: same seed → same order, each epoch a new order; dropLast drops the remainder', async () => {
  const order = async (seed: number, epochs: number) => {
    const it = createBatchIterator({ data, meta, batchSize: 4, shuffle: true, rng: new Rng(seed), dropLast: true });
    const out: number[][] = [];
    for (let e = 0; e < epochs; e++) out.push((await collect(it)).flatMap((b) => b.idx));
    return out;
  };
  const a = await order(7, 2),
    b = await order(7, 2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], a[1]);
  assert.equal(a[0].length, 8);
  const plain = createBatchIterator({ data, meta, batchSize: 4, shuffle: false, rng: new Rng(1) });
  assert.deepEqual(
    (await collect(plain)).flatMap((b) => b.idx),
    [...Array(N).keys()],
  );
});

test('augmented batches are deterministic for a seed and differ from plain ones', async () => {
  const augment = validateConfig({}).config.augment;
  const run = (seed: number) => collect(createBatchIterator({ data, meta, batchSize: 5, shuffle: true, rng: new Rng(seed), augment }));
  const a = await run(3),
    b = await run(3);
  assert.deepEqual(
    a.map((x) => [...x.x]),
    b.map((x) => [...x.x]),
  );
  const plain = await collect(createBatchIterator({ data, meta, batchSize: 5, shuffle: true, rng: new Rng(3) }));
  assert.deepEqual(
    a.map((x) => x.idx),
    plain.map((x) => x.idx),
  );
  assert.notDeepEqual([...a[0].x], [...plain[0].x]);
});

test('stopping early frees the batch prepared ahead', async () => {
  const it = createBatchIterator({ data, meta, batchSize: 2, shuffle: false, rng: new Rng(1) });
  const before = tf.memory().numTensors;
  for await (const b of it.epoch()) {
    tf.dispose([b.x, b.y]);
    break;
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(tf.memory().numTensors, before);
});

test('the next batch is built while the caller works on the current one', async () => {
  const it = createBatchIterator({ data, meta, batchSize: 2, shuffle: false, rng: new Rng(1) });
  const gen = it.epoch();
  const first = (await gen.next()).value!;
  const held = tf.memory().numTensors;
  // The caller "trains" (yields to the event loop once): batch 2 gets built meanwhile.
  await new Promise((r) => setImmediate(r));
  assert.equal(tf.memory().numTensors, held + 2, 'x and y of the next batch exist before it is asked for');
  const second = (await gen.next()).value!;
  assert.deepEqual([...second.indices], [2, 3]);
  tf.dispose([first.x, first.y, second.x, second.y]);
  await gen.return(undefined);
});
