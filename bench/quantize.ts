/**
 * Reduced-precision exports (export/precision/) of the default network (configs/config.yaml, 200
 * classes) and the smoke network (configs/smoke.yaml, 10 classes), random weights, 64×64 uint8
 * input: file sizes, then onnxruntime-node CPU throughput at batch 1 and 32 of fp32, int8 (QDQ,
 * minmax calibration on pseudo-random pixels) and fp16, next to onnxruntime fp32 and PyTorch CPU
 * fp32 (the same network, bench/torch_train_step.py's inference, best of a run before and one after)
 * measured in the same run; then
 * the browser demo's per-image time (Chromium, onnxruntime-web wasm, batch 1) of each file.
 * `npm run bench -- quantize` (or `node dist/bench/quantize.js`).
 */
import * as ort from 'onnxruntime-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportLayersModel, type ExportResult } from '../export/exporter.js';
import { quantizeInt8 } from '../export/precision/int8.js';
import { convertToFloat16 } from '../export/precision/float16.js';
import { serializeVariant } from '../export/precision/variant.js';
import { buildResNet } from '../train/model/index.js';
import { loadConfig, type ModelConfig } from '../core/config/index.js';
import { packageFile } from '../core/paths.js';
import { cpuBackend, randomizeWeights } from '../tests/helpers/export-parity.js';
import { chromiumMissing, writeTestImages } from '../tests/web-demo/helpers.js';
import { throughput } from './export.js';
import { browserPerImage } from './quantize-browser.js';
import { run$, PYTHON, lastJsonLine, torchAvailable } from './lib/child.js';
import type { BenchResult, BenchRow } from './lib/types.js';
import { runWhenMain } from './lib/results-file.js';

process.env.TINYNET_LOG = process.env.TINYNET_LOG ?? 'warn';

const SIZE = 64;
const CALIBRATION = 64;
const BROWSER_IMAGES = 16;
const BROWSER_WARMUP = 4;
const ROUNDS = 3;
const PRECISIONS = ['fp32', 'int8', 'fp16'] as const;
type P = (typeof PRECISIONS)[number];

interface Network {
  name: string;
  model: ModelConfig;
  classes: number;
}

async function variants(net: Network): Promise<Record<P, Uint8Array>> {
  await cpuBackend();
  const model = buildResNet(net.model, { inputShape: [SIZE, SIZE, 3], numClasses: net.classes }, { seed: 1 });
  randomizeWeights(model, 5);
  const result: ExportResult = exportLayersModel(model, {
    dataset: {
      classes: Array.from({ length: net.classes }, (_, index) => ({ index, id: String(index), name: `class ${index}` })),
      normalization: { mean: [0.48, 0.45, 0.4], std: [0.27, 0.26, 0.28], pixel_scale: 1 / 255 },
    },
  });
  model.dispose();
  const images = Uint8Array.from({ length: CALIBRATION * SIZE * SIZE * 3 }, (_, i) => ((i * 2654435761) >>> 24) & 255);
  const int8 = await quantizeInt8(result.graph, { images, n: CALIBRATION, height: SIZE, width: SIZE, channels: 3 }, { method: 'minmax', activations: 'uint8' });
  return {
    fp32: result.bytes,
    int8: serializeVariant(result, int8.graph, {
      precision: 'int8',
      weights: 'int8 per-channel symmetric',
      activations: 'uint8',
      calibration: { method: 'minmax', images: CALIBRATION, split: 'pseudo-random pixels' },
    }),
    fp16: serializeVariant(result, convertToFloat16(result.graph).graph, { precision: 'fp16', weights: 'float16' }),
  };
}

async function torchRate(net: Network, batch: number): Promise<number> {
  const opts = {
    blocks: net.model.blocks,
    widths: net.model.widths,
    classes: net.classes,
    dropout: 0,
    size: SIZE,
    batch,
    threads: 2,
    warmup: 2,
    steps: batch === 1 ? 30 : 4,
  };
  const { stdout } = await run$(PYTHON, [packageFile('bench', 'torch_train_step.py'), JSON.stringify(opts)], { maxBuffer: 1 << 22 });
  return (lastJsonLine(stdout) as { inference: { images_per_s: number } }).inference.images_per_s;
}

export async function run(): Promise<BenchResult> {
  const seed = loadConfig(packageFile('configs', 'config.yaml')).config;
  const smoke = loadConfig(packageFile('configs', 'smoke.yaml')).config;
  const nets: Network[] = [
    { name: 'seed', model: seed.model, classes: 200 },
    { name: 'smoke', model: smoke.model, classes: smoke.dataset.synthetic.classes },
  ];
  const torchMissing = await torchAvailable();
  const browserMissing = chromiumMissing();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tinynet-bench-quantize-'));
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    const images = browserMissing ? [] : await writeTestImages(path.join(tmp, 'images'), BROWSER_IMAGES, SIZE);
    for (const net of nets) {
      const files = await variants(net);
      for (const p of ['int8', 'fp16'] as const) {
        rows.push({
          case: `${net.name}: ${p} file size vs fp32 (ratio = ${p}/fp32)`,
          value: files[p].length / 1e6,
          unit: 'MB',
          reference: 'fp32 file',
          referenceValue: files.fp32.length / 1e6,
          ratio: files[p].length / files.fp32.length,
        });
      }
      for (const batch of [1, 32]) {
        const u8 = Uint8Array.from({ length: batch * SIZE * SIZE * 3 }, (_, i) => (i * 2654435761) >>> 24);
        const feeds = { image: new ort.Tensor('uint8', u8, [batch, SIZE, SIZE, 3]) };
        // Rounds alternate the precisions, and each keeps its best round: on a shared machine, load
        // from other processes then slows every side alike instead of whichever ran at that moment.
        const sessions = {} as Record<P, ort.InferenceSession>;
        for (const p of PRECISIONS) sessions[p] = await ort.InferenceSession.create(files[p], { graphOptimizationLevel: 'all' });
        const torchBefore = torchMissing ? null : await torchRate(net, batch);
        const rates = { fp32: 0, int8: 0, fp16: 0 } as Record<P, number>;
        for (let round = 0; round < ROUNDS; round++) {
          for (const p of PRECISIONS) {
            const rate = await throughput(batch, async () => void (await sessions[p].run(feeds)), 1, batch === 1 ? 10 : 2, batch === 1 ? 1.5 : 3);
            rates[p] = Math.max(rates[p], rate);
          }
        }
        for (const p of PRECISIONS) await sessions[p].release();
        const torch = torchBefore === null ? null : Math.max(torchBefore, await torchRate(net, batch));
        if (torch !== null) {
          rows.push({
            case: `${net.name} batch ${batch}: onnxruntime-node fp32 vs PyTorch CPU fp32 (img/s, ratio = ort/torch)`,
            value: rates.fp32,
            unit: 'img/s',
            reference: 'PyTorch CPU fp32, 2 threads',
            referenceValue: torch,
            ratio: rates.fp32 / torch,
          });
        }
        for (const p of ['int8', 'fp16'] as const) {
          rows.push({
            case: `${net.name} batch ${batch}: onnxruntime-node ${p} vs fp32 (img/s, ratio = ${p}/fp32)`,
            value: rates[p],
            unit: 'img/s',
            reference: 'onnxruntime-node fp32',
            referenceValue: rates.fp32,
            ratio: rates[p] / rates.fp32,
          });
          if (torch !== null)
            rows.push({
              case: `${net.name} batch ${batch}: onnxruntime-node ${p} vs PyTorch CPU fp32 (img/s, ratio = ${p}/torch)`,
              value: rates[p],
              unit: 'img/s',
              reference: 'PyTorch CPU fp32, 2 threads',
              referenceValue: torch,
              ratio: rates[p] / torch,
            });
        }
      }
      if (!browserMissing) {
        const ms = {} as Record<P, number>;
        let threads = '?';
        for (const p of PRECISIONS) {
          const file = path.join(tmp, `${net.name}.${p}.onnx`);
          await writeFile(file, files[p]);
          const t = await browserPerImage(file, images, BROWSER_WARMUP);
          ms[p] = t.perImageMs;
          threads = t.threads;
        }
        for (const p of ['int8', 'fp16'] as const) {
          rows.push({
            case: `${net.name} browser batch 1: Chromium wasm (${threads} threads) ${p} vs fp32 (ms per image, ratio = fp32/${p}: speed-up)`,
            value: ms[p],
            unit: 'ms',
            reference: 'Chromium wasm fp32',
            referenceValue: ms.fp32,
            ratio: ms.fp32 / ms[p],
          });
        }
      }
    }
    if (torchMissing) notes.push(`PyTorch reference skipped: ${torchMissing}.`);
    if (browserMissing) notes.push(`Browser rows skipped: ${browserMissing}.`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return {
    name: 'quantize',
    results: rows,
    notes:
      `Default network: blocks ${JSON.stringify(seed.model.blocks)}, widths ${JSON.stringify(seed.model.widths)}; ` +
      `smoke: blocks ${JSON.stringify(smoke.model.blocks)}, widths ${JSON.stringify(smoke.model.widths)}; ` +
      `random weights, ${SIZE}×${SIZE}×3 uint8 input; int8 = QDQ, per-channel int8 weights, uint8 activations, ` +
      `minmax ranges from ${CALIBRATION} pseudo-random images. ` +
      `onnxruntime-node default CPU threads on ${os.cpus().length} cores, graph optimizations 'all', best of ${ROUNDS} rounds alternating the precisions. ` +
      'PyTorch: eval() + no_grad() forward of the same network in NCHW float32, best of a run before and one after. ' +
      `Browser: median session.run of ${BROWSER_IMAGES - BROWSER_WARMUP} images after ${BROWSER_WARMUP} warm-up, one page per file. ` +
      'Accuracy is not measured here (random weights): ' +
      `\`tinynet export --quantize int8\` measures it on the test split every time. ${notes.join(' ')}`,
  };
}

await runWhenMain(import.meta.url, run);
