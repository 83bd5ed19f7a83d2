/**
 * Reduced-precision files downstream, with no other flag: the server loads an int8 (QDQ) and a
 * float16 export, says their precision in the KServe v2 model metadata and answers like
 * onnxruntime on the same file; `tinynet evaluate` on the int8 export of a trained checkpoint
 * finds the accuracy that export recorded.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { validateConfig } from '../../core/config/index.js';
import { startServer } from '../../serve/server.js';
import { evaluateOnnx } from '../../serve/evaluate/evaluate.js';
import { runExport } from '../../export/run.js';
import { quantizeSection } from '../../core/config/sections/export.js';
import { writeSmokeVariant } from '../helpers/smoke-model.js';
import { trainedCheckpoint } from '../export/trained-checkpoint.js';
import { tempDir } from '../helpers/dataset-config.js';

process.env.TINYNET_LOG = 'warn';
const dir = tempDir('serve-quant');
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
});

for (const precision of ['int8', 'fp16'] as const) {
  test(`serve: a ${precision} export loads, reports its precision and answers like onnxruntime`, async () => {
    const modelPath = path.join(dir, `model.${precision}.onnx`);
    const { size, numClasses } = await writeSmokeVariant(modelPath, precision);
    const { config } = validateConfig({ serve: { port: 0, providers: ['cpu'], threads: 1 } });
    const server = await startServer({ modelPath, config: config.serve });
    closers.push(() => server.close());
    const name = `model.${precision}`;
    const meta = (await (await fetch(`${server.url}/v2/models/${name}`)).json()) as {
      inputs: unknown;
      parameters: { precision: string; quantization: { precision: string } };
    };
    assert.equal(meta.parameters.precision, precision);
    assert.equal(meta.parameters.quantization.precision, precision);
    assert.deepEqual(meta.inputs, [{ name: 'image', datatype: 'UINT8', shape: [-1, size, size, 3] }]);

    const pixels = Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 7919) & 255);
    const res = await fetch(`${server.url}/v2/models/${name}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'image', shape: [1, size, size, 3], datatype: 'UINT8', data: Array.from(pixels) }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { outputs: Array<{ name: string; data: number[] }> };
    const probs = body.outputs.find((o) => o.name === 'probabilities')!.data;
    const session = await ort.InferenceSession.create(modelPath);
    const ref = (await session.run({ image: new ort.Tensor('uint8', pixels, [1, size, size, 3]) })).probabilities.data as Float32Array;
    await session.release();
    assert.equal(probs.length, numClasses);
    for (let i = 0; i < numClasses; i++) assert.ok(Math.abs(probs[i] - ref[i]) < 1e-5, `class ${i}: ${probs[i]} vs ${ref[i]}`);
  });
}

test('evaluate: the int8 export of a trained checkpoint scores what its metadata says', async () => {
  const fx = await trainedCheckpoint();
  const summary = await runExport({
    checkpoint: fx.checkpoint,
    out: path.join(fx.root, 'eval', 'model.onnx'),
    verify: false,
    tolerance: 1e-4,
    foldBatchNorm: true,
    precision: 'int8',
    quantize: quantizeSection.parse({}),
  });
  const v = summary.variant!;
  assert.ok(v.written);
  const report = await evaluateOnnx({ config: fx.config, modelPath: v.out, split: 'test', heatmap: false });
  assert.equal(report.metrics.accuracy, v.info.accuracy!.model);
  assert.equal(report.dataset.count, v.info.accuracy!.images);
});
