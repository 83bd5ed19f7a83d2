/**
 * The quantization arithmetic against onnxruntime's own QuantizeLinear / DequantizeLinear kernels
 * (the reference every int8 consumer of our files uses): ties round to even, values beyond the
 * range saturate, zero points shift, in uint8 and int8; and the scale/zero-point rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../onnx/builder.js';
import { serializeModel } from '../../onnx/serialize.js';
import { computeQuantParams, dequantizeValue, quantizeArray, quantRange, roundHalfEven, type QuantParams } from '../../export/quantize/arithmetic.js';

/** x → QuantizeLinear → q → DequantizeLinear → y, with the given scale and zero point. */
async function reference(x: Float32Array, p: QuantParams): Promise<{ q: Int8Array | Uint8Array; y: Float32Array }> {
  const g = new GraphBuilder('qdq');
  g.addInput({ name: 'x', dtype: 'float32', dims: [x.length] });
  const scale = g.scalar('scale', p.scale);
  const zp = g.initializer(
    'zp',
    p.type === 'uint8' ? { dtype: 'uint8', dims: [], data: Uint8Array.of(p.zeroPoint) } : { dtype: 'int8', dims: [], data: Int8Array.of(p.zeroPoint) },
  );
  g.node('QuantizeLinear', ['x', scale, zp], {}, { outputs: ['q'] });
  g.node('DequantizeLinear', ['q', scale, zp], {}, { outputs: ['y'] });
  g.addOutput({ name: 'q', dtype: p.type, dims: [x.length] });
  g.addOutput({ name: 'y', dtype: 'float32', dims: [x.length] });
  const session = await ort.InferenceSession.create(serializeModel(g.graph, { producerName: 'test', producerVersion: '0', metadata: {} }));
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, [x.length]) });
    return { q: out.q.data as Int8Array | Uint8Array, y: out.y.data as Float32Array };
  } finally {
    await session.release();
  }
}

function probeValues(p: QuantParams): Float32Array {
  const [qmin, qmax] = quantRange(p.type, false);
  const xs: number[] = [0, -0, 1e-30, -1e-30];
  // Exact ties between two levels (k + ½)·scale, both signs, across and beyond the range.
  for (let k = qmin - p.zeroPoint - 4; k <= qmax - p.zeroPoint + 4; k += 3) xs.push((k + 0.5) * p.scale, k * p.scale, (k + 0.49) * p.scale);
  xs.push(1e6, -1e6, 3.4e38, -3.4e38);
  return Float32Array.from(xs);
}

const cases: QuantParams[] = [
  { scale: 0.05, zeroPoint: 0, type: 'uint8' },
  { scale: 0.1, zeroPoint: 128, type: 'uint8' },
  { scale: 0.0123, zeroPoint: 37, type: 'uint8' },
  { scale: 0.05, zeroPoint: 0, type: 'int8' },
  { scale: 0.25, zeroPoint: -3, type: 'int8' },
  { scale: 1 / 127, zeroPoint: -128, type: 'int8' },
];

for (const p of cases) {
  test(`quantize/dequantize match onnxruntime: ${p.type} scale ${p.scale} zero point ${p.zeroPoint}`, async () => {
    const x = probeValues(p);
    const ref = await reference(x, p);
    const q = quantizeArray(x, p);
    assert.deepEqual(Array.from(q), Array.from(ref.q));
    assert.deepEqual(
      Array.from(q, (v) => dequantizeValue(v, p)),
      Array.from(ref.y),
    );
  });
}

test('round half to even', () => {
  assert.deepEqual([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, -2.5001].map(roundHalfEven), [-2, -2, -0, 0, 2, 2, 2, -3]);
});

test('scale and zero point: the range holds 0, symmetric int8 is ±127 around 0, a flat range is safe', () => {
  const relu = computeQuantParams(0, 6, 'uint8', false);
  assert.equal(relu.zeroPoint, 0);
  assert.equal(relu.scale, Math.fround(6 / 255));
  // A range above 0 is widened down to 0, so 0 is exact.
  assert.deepEqual(computeQuantParams(2, 6, 'uint8', false), relu);
  const asym = computeQuantParams(-1, 3, 'int8', false);
  assert.equal(asym.scale, Math.fround(4 / 255));
  assert.equal(asym.zeroPoint, Math.round(-128 + 1 / asym.scale));
  const sym = computeQuantParams(-0.5, 2.54, 'int8', true);
  assert.deepEqual(sym, { scale: Math.fround(2.54 / 127), zeroPoint: 0, type: 'int8' });
  assert.deepEqual(quantizeArray([2.54, -2.54, 10], sym), Int8Array.of(127, -127, 127));
  assert.deepEqual(computeQuantParams(0, 0, 'int8', true), { scale: 1, zeroPoint: 0, type: 'int8' });
  assert.throws(() => computeQuantParams(1, -1, 'uint8', false), /invalid quantization range/);
});
