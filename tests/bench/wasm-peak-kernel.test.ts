import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { ACCUMULATORS, LANES, assemblePeakKernel, compilePeakKernel, instantiatePeakKernel, peakKernelWat, wasmApi } from '../../bench/wasm-peak-kernel.js';

const f = Math.fround;
/** A different starting value in every lane of every accumulator, so a mixed-up lane or accumulator shows. */
const start = (i: number) => f(0.25 + i / 64);

test('mul-add kernel: each lane follows acc = fround(fround(acc * m) + c), as in float32 JS', async () => {
  const kernel = instantiatePeakKernel(compilePeakKernel(await assemblePeakKernel('mul-add')));
  assert.equal(kernel.accumulators.length, ACCUMULATORS * LANES);
  kernel.accumulators.forEach((_, i) => {
    kernel.accumulators[i] = start(i);
  });
  const [m, c, n] = [f(0.9), f(0.3), 37];
  kernel.run(n, m, c);
  const expected = Array.from({ length: ACCUMULATORS * LANES }, (_, i) => {
    let acc = start(i);
    for (let k = 0; k < n; k++) acc = f(f(acc * m) + c);
    return acc;
  });
  assert.deepEqual(Array.from(kernel.accumulators), expected);
  // A second call continues from the stored accumulators; n = 0 leaves them as they are.
  const before = Array.from(kernel.accumulators);
  kernel.run(0, m, c);
  assert.deepEqual(Array.from(kernel.accumulators), before);
});

test('relaxed-madd kernel: acc = m * c + acc per lane (m * c exact, so fused or not gives the same floats)', async () => {
  const bytes = await assemblePeakKernel('relaxed-madd');
  assert.match(peakKernelWat('relaxed-madd'), /f32x4\.relaxed_madd/);
  assert.doesNotMatch(peakKernelWat('mul-add'), /relaxed/);
  // Node 20 compiles relaxed SIMD only behind this flag; node --test gives every test file its own process.
  if (!wasmApi.validate(bytes)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  assert.ok(wasmApi.validate(bytes), 'relaxed SIMD still unavailable after setting --experimental-wasm-relaxed-simd');
  const kernel = instantiatePeakKernel(compilePeakKernel(bytes));
  kernel.accumulators.forEach((_, i) => {
    kernel.accumulators[i] = start(i);
  });
  const [m, c, n] = [f(0.75), f(0.375), 1000];
  kernel.run(n, m, c);
  const expected = Array.from({ length: ACCUMULATORS * LANES }, (_, i) => {
    let acc = start(i);
    for (let k = 0; k < n; k++) acc = f(f(m * c) + acc);
    return acc;
  });
  assert.deepEqual(Array.from(kernel.accumulators), expected);
});
