import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { TinynetError } from '../../core/errors.js';
import { activeBackend, selectBackend, wasmHeapBytes } from '../../train/backend/select.js';

process.env.TINYNET_LOG = 'silent';

const nativeInstalled = await import('@tensorflow/tfjs-node' as string).then(
  () => true,
  () => false,
);

test('asking for `tensorflow` without tfjs-node is a TinynetError naming the install command', { skip: nativeInstalled }, async () => {
  await assert.rejects(selectBackend('tensorflow'), (err: unknown) => {
    assert.ok(err instanceof TinynetError);
    assert.equal(err.code, 'train.backend_missing');
    assert.match(err.hint ?? '', /npm install @tensorflow\/tfjs-node/);
    return true;
  });
});

test('`wasm` runs with 2 XNNPACK threads (past stock tfjs limits)', async () => {
  const selected = await selectBackend('wasm', { threads: 2 });
  assert.equal(selected.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  // Stock tfjs would give 1 here: no threads in Node, and a pool capped at half of 2 cores.
  assert.equal(selected.threads, 2);
  assert.equal(getThreadsCount(), 2);
  assert.match(selected.device, /WebAssembly SIMD, 2 threads/);
  // The threaded build really computes: a conv big enough to be split across the pool.
  const y = tf.tidy(() => tf.conv2d(tf.ones([2, 16, 16, 8]) as tf.Tensor4D, tf.ones([3, 3, 8, 4]) as tf.Tensor4D, 1, 'valid'));
  assert.deepEqual(Array.from(new Set(y.dataSync())), [72]);
  y.dispose();
  const heap = wasmHeapBytes();
  assert.ok(heap != null && heap >= 16 * 2 ** 20, `wasm heap ${heap}`);
});

test('`auto` without native TensorFlow picks the onnxruntime engine on its CPU provider, data ops on tfjs wasm', { skip: nativeInstalled }, async () => {
  const selected = await selectBackend('auto', { threads: 2 });
  assert.equal(selected.name, 'onnxruntime');
  assert.deepEqual(selected.onnxruntime, { provider: 'cpu', threads: 2 });
  assert.match(selected.device, /onnxruntime-node native kernels, 2 threads/);
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(activeBackend(), selected);
});

test('`cpu` is always available; the wasm heap is not reported there', async () => {
  const selected = await selectBackend('cpu');
  assert.equal(selected.name, 'cpu');
  assert.equal(wasmHeapBytes(), null);
});

test('an unknown backend kind is a TinynetError', async () => {
  await assert.rejects(selectBackend('gpu' as never), (err: unknown) => err instanceof TinynetError && err.code === 'train.bad_backend');
});
