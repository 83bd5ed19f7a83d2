import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../../train/backend/wasm-kernels/simd/simd-kernels.js';

const Wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer } } })
  .WebAssembly;

/** A stand-in for the tfjs backend: only its heap memory is read. */
function fakeBackend(shared: boolean) {
  const memory = new Wasm.Memory({ initial: 4, maximum: shared ? 16 : undefined, shared });
  return { memory, backend: { wasm: { wasmMemory: memory, HEAPU8: new Uint8Array(memory.buffer) } } as unknown as BackendWasm };
}

for (const shared of [true, false]) {
  test(`SIMD module (${shared ? 'shared' : 'plain'} memory): sum_f64 adds in float64, per outer block, scaled`, () => {
    const { memory, backend } = fakeBackend(shared);
    const kernels = simdKernels(backend);
    assert.ok(kernels, 'the module instantiates on the imported memory');
    const [outer, reduce, inner] = [3, 1000, 8];
    const f32 = new Float32Array(memory.buffer);
    const x = 64; // byte offsets
    const out = x + outer * reduce * inner * 4;
    const acc = out + outer * inner * 4;
    const expected = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < reduce; r++) {
        for (let i = 0; i < inner; i++) {
          // 1e4 + small parts: float32 accumulation would lose the small parts, float64 keeps them.
          const v = Math.fround(1e4 + (o * 7 + i) * 0.001 + (r % 3) * 0.0005);
          f32[x / 4 + (o * reduce + r) * inner + i] = v;
          expected[o * inner + i] += v;
        }
      }
    }
    kernels.sumF64(x, out, acc, outer, reduce, inner, 0.5);
    for (let q = 0; q < outer * inner; q++) assert.equal(f32[out / 4 + q], Math.fround(expected[q] * 0.5), `output ${q}`);
  });

  test(`SIMD module (${shared ? 'shared' : 'plain'} memory): batch_norm = (x − mean)·factor + offset per channel`, () => {
    const { memory, backend } = fakeBackend(shared);
    const kernels = simdKernels(backend)!;
    const [pixels, channels] = [5, 12];
    const f32 = new Float32Array(memory.buffer);
    const [x, out, mean, factor, offset] = [16, 1024, 2048, 2112, 2176];
    for (let c = 0; c < channels; c++) {
      f32[mean / 4 + c] = c;
      f32[factor / 4 + c] = 0.5 + c;
      f32[offset / 4 + c] = -c;
    }
    for (let q = 0; q < pixels * channels; q++) f32[x / 4 + q] = q * 0.25;
    kernels.batchNorm(x, out, mean, factor, offset, pixels, channels);
    for (let q = 0; q < pixels * channels; q++) {
      const c = q % channels;
      const want = Math.fround(Math.fround(Math.fround(q * 0.25 - c) * (0.5 + c)) - c);
      assert.equal(f32[out / 4 + q], want, `value ${q}`);
    }
  });
}

for (const shared of [true, false]) {
  test(`SIMD module (${shared ? 'shared' : 'plain'} memory): swap_first_last turns [A,P,B] into [B,P,A]`, () => {
    const { memory, backend } = fakeBackend(shared);
    const kernels = simdKernels(backend)!;
    const [A, P, B] = [3, 5, 7];
    const f32 = new Float32Array(memory.buffer);
    const [x, out] = [32, 4096];
    for (let q = 0; q < A * P * B; q++) f32[x / 4 + q] = q + 0.5;
    kernels.swapFirstLast(x, out, A, P, B);
    for (let a = 0; a < A; a++) {
      for (let p = 0; p < P; p++) {
        for (let b = 0; b < B; b++) assert.equal(f32[out / 4 + (b * P + p) * A + a], f32[x / 4 + (a * P + p) * B + b], `[${a},${p},${b}]`);
      }
    }
  });
}

test('simdKernels is null when the backend exposes no WebAssembly.Memory (callers keep their JS path)', () => {
  assert.equal(simdKernels({ wasm: { HEAPU8: new Uint8Array(16) } } as unknown as BackendWasm), null);
});
