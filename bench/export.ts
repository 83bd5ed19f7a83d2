/**
 * Export benchmark on the default model (ResNet [3,3,3] × 64/128/256, 64×64×3, 200 classes, random
 * weights): export time and file size, then inference throughput of the exported file in
 * onnxruntime-node (CPU) next to TensorFlow.js wasm predict on the same model, in the same run.
 * `npm run bench -- export` (or `node dist/bench/export.js`).
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import os from 'node:os';
import { exportLayersModel } from '../export/exporter.js';
import { verifyExport } from '../export/verify.js';
import { buildResNet } from '../train/model/index.js';
import { selectBackend } from '../train/backend/select.js';
import { validateConfig } from '../core/config/index.js';
import type { BenchResult, BenchRow } from './lib/types.js';

process.env.TINYNET_LOG = process.env.TINYNET_LOG ?? 'warn';

const SIZE = 64;
const CLASSES = 200;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Images per second: warm-up runs, then timed runs (at least `minRuns`, or until `minSeconds`). */
export async function throughput(batch: number, once: () => Promise<void>, warmup: number, minRuns: number, minSeconds: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minSeconds * 1000) {
    const t0 = performance.now();
    await once();
    times.push((performance.now() - t0) / 1000);
  }
  return batch / median(times);
}

export async function run(): Promise<BenchResult> {
  const backend = await selectBackend('wasm');
  const { config } = validateConfig({});
  const model = buildResNet(config.model, { inputShape: [SIZE, SIZE, 3], numClasses: CLASSES }, { seed: 1 });
  const dataset = {
    classes: Array.from({ length: CLASSES }, (_, index) => ({ index, id: String(index), name: `class ${index}` })),
    normalization: { mean: [0.48, 0.45, 0.4], std: [0.27, 0.26, 0.28], pixel_scale: 1 / 255 },
  };

  const exportTimes: number[] = [];
  let result = exportLayersModel(model, { dataset });
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    result = exportLayersModel(model, { dataset });
    exportTimes.push((performance.now() - t0) / 1000);
  }

  const rows: BenchRow[] = [
    { case: 'export time (default model, s)', value: median(exportTimes), unit: 's' },
    { case: 'ONNX file size', value: result.bytes.length / 1e6, unit: 'MB' },
  ];

  const session = await ort.InferenceSession.create(result.bytes, { graphOptimizationLevel: 'all' });
  const rand = (n: number) => Uint8Array.from({ length: n * SIZE * SIZE * 3 }, (_, i) => (i * 2654435761) >>> 24);
  for (const batch of [1, 32]) {
    const u8 = rand(batch);
    const feeds = { image: new ort.Tensor('uint8', u8, [batch, SIZE, SIZE, 3]) };
    const onnxRate = await throughput(batch, async () => void (await session.run(feeds)), 2, batch === 1 ? 20 : 3, batch === 1 ? 3 : 5);
    const x = tf.tidy(() =>
      tf.tensor(
        Float32Array.from(u8, (v, i) => (v / 255 - dataset.normalization.mean[i % 3]) / dataset.normalization.std[i % 3]),
        [batch, SIZE, SIZE, 3],
      ),
    );
    const tfRate = await throughput(
      batch,
      async () => {
        const y = model.predict(x) as tf.Tensor;
        await y.data();
        y.dispose();
      },
      1,
      batch === 1 ? 5 : 2,
      2,
    );
    x.dispose();
    rows.push({
      case: `inference batch ${batch}: onnxruntime-node CPU vs tfjs ${backend.name} (img/s, ratio = onnx/tfjs)`,
      value: onnxRate,
      unit: 'img/s',
      reference: `tfjs ${backend.name} predict, ${backend.threads} thread(s)`,
      referenceValue: tfRate,
      ratio: onnxRate / tfRate,
    });
  }
  await session.release();

  const report = await verifyExport(model, result, { dataset }, { tolerance: 1e-4, randomCount: 4, batchSize: 4 });
  model.dispose();
  return {
    name: 'export',
    results: rows,
    notes:
      `Default model: ResNet blocks [3,3,3], widths [64,128,256], ${SIZE}×${SIZE}×3 uint8 input, ${CLASSES} classes, random weights; ` +
      `${result.nodeCount} ONNX nodes, passes ${JSON.stringify(result.passes)}. onnxruntime-node default CPU threads on ${os.cpus().length} cores. ` +
      `Parity on the same run (tfjs ${backend.name}): max |Δprobabilities| ${report.maxAbsProbabilities?.toExponential(2)}, max |Δlogits| ` +
      `${report.maxAbsLogits?.toExponential(2)}, top-1 agreement ${report.top1Agreement}.`,
  };
}

// Run directly: `node dist/bench/export.js` prints the result.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.exit(0);
}
