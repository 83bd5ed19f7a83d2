/**
 * The QDQ and float16 rewrites on the smoke network (random weights): every Conv and the dense
 * layer get int8 weights behind DequantizeLinear, ReLUs fold into the preceding QuantizeLinear,
 * and onnxruntime fuses the whole body into integer kernels (QLinearConv, QLinearAdd, QGemm);
 * an activation without an int8 form is left in float and reported; the float16 graph keeps
 * float32 inputs/outputs and stays within a stated tolerance of the float model.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { exportLayersModel, type ExportResult } from '../../export/exporter.js';
import { buildResNet } from '../../train/model/index.js';
import { validateConfig } from '../../core/config/index.js';
import { decodeModel } from '../../onnx/proto.js';
import { serializeModel } from '../../onnx/serialize.js';
import type { IrGraph } from '../../onnx/ir.js';
import { GraphBuilder } from '../../onnx/builder.js';
import { quantizeInt8 } from '../../export/precision/int8.js';
import { convertToFloat16, float16BitsToFloat32, toFloat16Bits } from '../../export/precision/float16.js';
import { planQdq } from '../../export/quantize/plan.js';
import { cpuBackend, randomizeWeights } from '../helpers/export-parity.js';
import { tempDir } from '../helpers/dataset-config.js';

const SIZE = 32;
const CLASSES = 10;
let float: ExportResult;
const images = (n: number, seed: number) => Uint8Array.from({ length: n * SIZE * SIZE * 3 }, (_, i) => (((i + seed) * 2654435761) >>> 24) & 255);

function exportModel(activation: string): ExportResult {
  const { config } = validateConfig({ model: { blocks: [1, 1], widths: [8, 16], activation } });
  const model = buildResNet(config.model, { inputShape: [SIZE, SIZE, 3], numClasses: CLASSES }, { seed: 2 });
  randomizeWeights(model, 3);
  const r = exportLayersModel(model, {
    dataset: {
      classes: Array.from({ length: CLASSES }, (_, index) => ({ index, id: String(index), name: `c${index}` })),
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], pixel_scale: 1 / 255 },
    },
  });
  model.dispose();
  return r;
}

const ops = (g: IrGraph) => {
  const counts: Record<string, number> = {};
  for (const n of g.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
};
const toBytes = (g: IrGraph) => serializeModel(g, { producerName: 'test', producerVersion: '0', metadata: {} });

async function run(bytes: Uint8Array, u8: Uint8Array, n: number, optimizedFile?: string): Promise<{ logits: Float32Array; probabilities: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    ...(optimizedFile ? { optimizedModelFilePath: optimizedFile, logSeverityLevel: 3 as const } : {}),
  });
  try {
    const out = await session.run({ image: new ort.Tensor('uint8', u8, [n, SIZE, SIZE, 3]) });
    return { logits: out.logits.data as Float32Array, probabilities: out.probabilities.data as Float32Array };
  } finally {
    await session.release();
  }
}

function argmax(d: Float32Array, n: number): number[] {
  return Array.from({ length: n }, (_, r) => {
    let b = 0;
    for (let c = 1; c < CLASSES; c++) if (d[r * CLASSES + c] > d[r * CLASSES + b]) b = c;
    return b;
  });
}

before(async () => {
  await cpuBackend();
  float = exportModel('relu');
});

test('int8: QDQ around every Conv and the Gemm, ReLUs folded, fused by onnxruntime into integer kernels', async () => {
  const floatOps = ops(float.graph);
  const q = await quantizeInt8(
    float.graph,
    { images: images(32, 1), n: 32, height: SIZE, width: SIZE, channels: 3 },
    { method: 'minmax', activations: 'uint8' },
  );
  const qOps = ops(q.graph);
  assert.deepEqual(q.leftInFloat, {});
  assert.equal(qOps.Relu ?? 0, 0, 'every ReLU follows a Conv or an Add and is folded');
  assert.equal(qOps.Conv, floatOps.Conv);
  const weightDq = q.graph.nodes.filter((n) => n.op === 'DequantizeLinear' && q.graph.initializers.get(n.inputs[0])?.dtype === 'int8');
  assert.equal(weightDq.length, floatOps.Conv + floatOps.Gemm, 'one int8 weight per Conv and Gemm');
  assert.ok(
    weightDq.every((n) => n.attrs.axis?.kind === 'int'),
    'per-channel scales',
  );
  const biasDq = q.graph.nodes.filter((n) => n.op === 'DequantizeLinear' && q.graph.initializers.get(n.inputs[0])?.dtype === 'int32');
  assert.equal(biasDq.length, floatOps.Conv + floatOps.Gemm);

  const file = path.join(tempDir('qdq'), 'optimized.onnx');
  const n = 16;
  const u8 = images(n, 99);
  const got = await run(toBytes(q.graph), u8, n, file);
  const fused = (decodeModel(readFileSync(file)).graph?.node ?? []).map((x) => x.opType ?? '');
  assert.equal(fused.filter((o) => o === 'QLinearConv').length, floatOps.Conv, `optimized ops: ${fused.join(' ')}`);
  assert.ok(fused.includes('QLinearAdd') && fused.includes('QGemm'), fused.join(' '));
  assert.ok(!fused.includes('Conv') && !fused.includes('DequantizeLinear'), 'nothing left to run in float between the first Quantize and the logits');

  const ref = await run(float.bytes, u8, n);
  const agree = argmax(got.logits, n).filter((c, i) => c === argmax(ref.logits, n)[i]).length / n;
  assert.ok(agree >= 0.8, `top-1 agreement on random images ${agree}`);
});

test('int8 activations: int8 zero points instead of uint8, same structure', async () => {
  const q = await quantizeInt8(
    float.graph,
    { images: images(16, 2), n: 16, height: SIZE, width: SIZE, channels: 3 },
    { method: 'minmax', activations: 'int8' },
  );
  const zps = q.graph.nodes.filter((n) => n.op === 'QuantizeLinear').map((n) => q.graph.initializers.get(n.inputs[2])!.dtype);
  assert.ok(zps.length > 0 && zps.every((d) => d === 'int8'));
  const out = await run(toBytes(q.graph), images(4, 5), 4);
  assert.equal(out.logits.length, 4 * CLASSES);
});

test('an activation without an int8 form is left in float and said so', async () => {
  const elu = exportModel('elu');
  const plan = planQdq(elu.graph);
  assert.ok((plan.leftInFloat.Elu ?? 0) > 0, JSON.stringify(plan.leftInFloat));
  const q = await quantizeInt8(elu.graph, { images: images(8, 3), n: 8, height: SIZE, width: SIZE, channels: 3 }, { method: 'minmax', activations: 'uint8' });
  assert.equal(ops(q.graph).Elu, ops(elu.graph).Elu, 'the Elus stay, between a DequantizeLinear and a QuantizeLinear');
  const out = await run(toBytes(q.graph), images(4, 7), 4);
  const ref = await run(elu.bytes, images(4, 7), 4);
  assert.ok(out.probabilities.every((p, i) => Math.abs(p - ref.probabilities[i]) < 0.2));
});

test('fp16: float16 weights and compute, float32 in and out, probabilities within 2e-3 of the float model', async () => {
  const h = convertToFloat16(float.graph);
  assert.deepEqual(
    [...h.graph.initializers.values()].filter((t) => t.dtype === 'float32'),
    [],
    'no float32 weight left',
  );
  assert.equal(h.clampedWeights, 0);
  assert.deepEqual(
    h.graph.inputs.map((i) => i.dtype),
    ['uint8'],
  );
  assert.deepEqual(
    h.graph.outputs.map((o) => o.dtype),
    ['float32', 'float32'],
  );
  // The one Cast back to float32 is on the logits; Softmax then runs on float32 logits.
  const casts = h.graph.nodes.filter((n) => n.op === 'Cast');
  assert.equal(casts.length, 2, casts.map((c) => c.name).join(' '));
  const n = 16;
  const u8 = images(n, 11);
  const got = await run(toBytes(h.graph), u8, n);
  const ref = await run(float.bytes, u8, n);
  const maxDiff = got.probabilities.reduce((m, p, i) => Math.max(m, Math.abs(p - ref.probabilities[i])), 0);
  assert.ok(maxDiff < 2e-3, `max |Δprobabilities| ${maxDiff}`);
});

test('fp16: an op without a float16 kernel (CumSum) runs in float32 behind a Cast, and the model still runs', async () => {
  const g = new GraphBuilder('cumsum');
  g.addInput({ name: 'x', dtype: 'float32', dims: [2, 3] });
  const scaled = g.op('Mul', ['x', g.constFloat('w', [0.5, 2, -1], [3])]);
  g.node('CumSum', [scaled, g.initializer('axis', { dtype: 'int64', dims: [], data: BigInt64Array.of(1n) })], {}, { outputs: ['y'] });
  g.addOutput({ name: 'y', dtype: 'float32', dims: [2, 3] });
  const h = convertToFloat16(g.graph);
  assert.deepEqual(h.keptFloat32, { CumSum: 1 });
  const cumsum = h.graph.nodes.find((n) => n.op === 'CumSum')!;
  const feeding = h.graph.nodes.find((n) => n.outputs[0] === cumsum.inputs[0])!;
  assert.equal(feeding.op, 'Cast', 'the float16 Mul output is cast to float32 for CumSum');
  assert.equal(cumsum.outputs[0], 'y', 'its float32 output is the graph output itself');
  const session = await ort.InferenceSession.create(toBytes(h.graph));
  const y = (await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]) })).y.data as Float32Array;
  await session.release();
  assert.deepEqual(Array.from(y), [0.5, 4.5, 1.5, 2, 12, 6]);
});

test('float16 bits: round to nearest even, clamp beyond ±65504, back to float32 exactly', () => {
  const { bits, clamped } = toFloat16Bits(Float32Array.of(1, -2, 0.1, 65504, 1e6, -1e6, 2049));
  assert.equal(clamped, 2);
  assert.deepEqual(Array.from(bits.subarray(0, 2)), [0x3c00, 0xc000]);
  assert.deepEqual(Array.from(float16BitsToFloat32(bits)), [1, -2, Math.fround(0.0999755859375), 65504, 65504, -65504, 2048]);
});
