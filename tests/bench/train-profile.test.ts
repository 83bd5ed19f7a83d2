import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../train/backend/select.js';
import { convFlops, timeKernels, type KernelCall } from '../../bench/kernel-timer.js';
import { summarize } from '../../bench/train-profile.js';

process.env.TINYNET_LOG = 'warn';

const call = (kernel: string, shapes: number[][], attrs: Record<string, unknown>, ms: number, nested = false): KernelCall => ({
  kernel,
  shapes,
  attrs,
  ms,
  nested,
});

test('convFlops counts 2 per multiply-add for forward, input-gradient and filter-gradient calls', () => {
  // 3×3, 8→16 channels, 10×10 'same' output, batch 2: 2·2·100·9·8·16 FLOPs whichever way it is computed.
  const flops = 2 * 2 * 100 * 9 * 8 * 16;
  const [x, filter, dy] = [
    [2, 10, 10, 8],
    [3, 3, 8, 16],
    [2, 10, 10, 16],
  ];
  assert.equal(convFlops(call('FusedConv2D', [x, filter], { strides: [1, 1], pad: 'same' }, 1)), flops);
  assert.equal(convFlops(call('Conv2DBackpropInput', [dy, filter], { strides: [1, 1] }, 1)), flops);
  assert.equal(convFlops(call('Conv2DBackpropFilter', [x, dy], { strides: [1, 1], filterShape: filter }, 1)), flops);
  // Stride 2 'same' on 10×10 → 5×5; 'valid' 3×3 on 10×10 → 8×8.
  const image10 = [1, 10, 10, 1];
  const filter3 = [3, 3, 1, 1];
  assert.equal(convFlops(call('Conv2D', [image10, filter3], { strides: [2, 2], pad: 'same' }, 1)), 2 * 25 * 9);
  assert.equal(convFlops(call('Conv2D', [image10, filter3], { strides: [1, 1], pad: 'valid' }, 1)), 2 * 64 * 9);
  assert.equal(convFlops(call('Add', [[4], [4]], {}, 1)), 0);
});

test('summarize groups top-level time per step, skips nested calls, and sorts kernels by time', () => {
  const calls = [
    call(
      'FusedConv2D',
      [
        [1, 4, 4, 1],
        [1, 1, 1, 1],
      ],
      { strides: [1, 1], pad: 'same' },
      10,
    ),
    call(
      'Conv2DBackpropFilter',
      [
        [1, 4, 4, 1],
        [1, 4, 4, 1],
      ],
      { strides: [1, 1], filterShape: [1, 1, 1, 1] },
      30,
    ),
    call(
      'Conv2D',
      [
        [1, 4, 4, 1],
        [4, 4, 1, 1],
      ],
      { strides: [1, 1], pad: 'valid' },
      25,
      true,
    ), // inside the filter gradient
    call('Sum', [[4, 4]], {}, 4),
    call('Sum', [[4, 4]], {}, 2),
  ];
  const s = summarize(calls, 2, 0.1, 2, 8);
  assert.equal(s.groups.forward.s_per_step, 0.005);
  assert.equal(s.groups.filter.s_per_step, 0.015);
  assert.equal(s.groups.other.s_per_step, 0.003);
  assert.equal(s.groups.input.s_per_step, 0);
  assert.equal(s.groups.forward.gflop_per_step, (2 * 16) / 1e9 / 2);
  assert.equal(s.kernels[0].kernel.startsWith('Conv2DBackpropFilter'), true);
  assert.deepEqual(
    s.kernels.find((k) => k.kernel === 'Sum'),
    { kernel: 'Sum', calls: 1, s_per_step: 0.003 },
  );
});

test('timeKernels records wasm kernel calls, nested ones marked, and restore() unwraps them', async () => {
  await selectBackend('wasm', { threads: 1 });
  const before = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
  const { calls, restore } = timeKernels('wasm');
  const x = tf.ones([1, 6, 6, 2]);
  const dy = tf.ones([1, 6, 6, 3]);
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [1, 1],
    pad: 'same',
    dataFormat: 'NHWC',
    filterShape: [3, 3, 2, 3],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  restore();
  const top = calls.filter((c) => !c.nested);
  assert.ok(
    top.some((c) => c.kernel === 'Conv2DBackpropFilter'),
    `top-level: ${top.map((c) => c.kernel)}`,
  );
  assert.ok(
    calls.some((c) => c.nested && c.kernel === 'Conv2D'),
    'the inner XNNPACK convolution is recorded as nested',
  );
  assert.ok(calls.every((c) => c.ms >= 0));
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc, before);
  // All ones, 'same': the centre tap sees every one of the 36 positions.
  assert.equal((dw.dataSync() as Float32Array)[4 * 2 * 3], 36);
  tf.dispose([x, dy, dw]);
});
