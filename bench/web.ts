/**
 * The browser demo's speed next to the server's engine, same model, same run:
 * - headless Chromium (Debian's), onnxruntime-web wasm, page served by demoRoutes with COOP/COEP:
 *   time from navigation to the first prediction (model download, wasm compile, session, one image),
 *   and per-image inference time (session.run as the page measures it, batch 1);
 * - onnxruntime-node in this process: time to the first prediction (session create + one run) and
 *   per-image run time, batch 1.
 * Model: $TINYNET_BENCH_MODEL, else artifacts/model.onnx, else a small random-weight fixture.
 * Writes bench/results/web.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import * as ort from 'onnxruntime-node';
import { packageFile } from '../core/paths.js';
import { decodeImage } from '../core/image/decode.js';
import { demoRoutes } from '../serve/routes/demo.js';
import { buildTinyClassifier } from '../tests/helpers/tiny-onnx-classifier.js';
import { chromiumMissing, launchChromium, listen, writeTestImages } from '../tests/web-demo/helpers.js';

export interface BenchResult {
  name: string;
  machine?: Record<string, unknown>;
  results: Array<Record<string, unknown>>;
  notes?: string;
}

const COLD_LOADS = 3;
const IMAGES = 24;
const WARMUP = 4;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const round = (x: number) => Math.round(x * 100) / 100;

async function pickModel(tmp: string): Promise<{ file: string; source: string }> {
  const env = process.env.TINYNET_BENCH_MODEL;
  if (env) return { file: path.resolve(env), source: env };
  const artifact = path.resolve('artifacts', 'model.onnx');
  if (existsSync(artifact)) return { file: artifact, source: 'artifacts/model.onnx' };
  const file = path.join(tmp, 'fixture.onnx');
  await writeFile(file, buildTinyClassifier({ size: 64, numClasses: 200, width: 32, depth: 3, seed: 1 }));
  return { file, source: 'random-weight fixture (4 conv 3×3 layers × 32 channels, 200 classes, 64×64)' };
}

export async function run(): Promise<BenchResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tinynet-bench-web-'));
  try {
    const model = await pickModel(tmp);
    const images = await writeTestImages(path.join(tmp, 'images'), IMAGES, 64);
    const results: Array<Record<string, unknown>> = [];

    // onnxruntime-node, main thread, default session options (as a plain script would use it).
    const nodeT0 = performance.now();
    const session = await ort.InferenceSession.create(model.file);
    const tensors = await Promise.all(
      images.map(async (f) => {
        const { pixels } = await decodeImage(new Uint8Array(await readFile(f)), { width: 64, height: 64, maxInputPixels: 1e8 });
        return new ort.Tensor('uint8', pixels, [1, 64, 64, 3]);
      }),
    );
    await session.run({ [session.inputNames[0]]: tensors[0] });
    const nodeFirst = performance.now() - nodeT0;
    const nodeTimes: number[] = [];
    for (let i = 0; i < tensors.length; i++) {
      const t = performance.now();
      await session.run({ [session.inputNames[0]]: tensors[i] });
      if (i >= WARMUP) nodeTimes.push(performance.now() - t);
    }
    await session.release();
    results.push({ engine: 'onnxruntime-node (CPU)', time_to_first_prediction_ms: round(nodeFirst), per_image_ms_median: round(median(nodeTimes)), images: nodeTimes.length });

    const skip = chromiumMissing();
    if (skip) {
      return finish({ name: 'web', results, notes: `browser part skipped: ${skip}` }, model.source);
    }
    const app = new Hono();
    app.route('/', demoRoutes({ modelPath: model.file }));
    const server = await listen(app);
    const browser = await launchChromium();
    try {
      const firsts: number[] = [];
      let threads = '?';
      let pageTimes: number[] = [];
      for (let load = 0; load < COLD_LOADS; load++) {
        // A fresh context has an empty HTTP cache: every load downloads and compiles like a first visit.
        const context = await browser.newContext();
        const page = await context.newPage();
        const t0 = performance.now();
        await page.goto(`${server.url}/?backend=wasm`);
        await page.waitForFunction(`document.body.dataset.state !== 'loading'`, undefined, { timeout: 120_000 });
        if ((await page.evaluate(`document.body.dataset.state`)) !== 'ready') {
          throw new Error(`the page did not load the model: ${await page.locator('#alert').innerText()}`);
        }
        await page.setInputFiles('#file', images[0]);
        await page.waitForFunction(`document.querySelector('.card[data-state="done"]') !== null`, undefined, { timeout: 60_000 });
        firsts.push(performance.now() - t0);
        threads = String(await page.evaluate(`document.body.dataset.threads`));
        if (load === COLD_LOADS - 1) {
          // Per-image: one at a time (the page queues them), as the page times session.run.
          await page.setInputFiles('#file', images);
          await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"]').length === ${images.length + 1}`, undefined, { timeout: 120_000 });
          const ms = await page.locator('.card[data-state="done"]').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-inference-ms'))));
          // Cards are newest first; drop the first-prediction card and the warm-up images.
          pageTimes = ms.reverse().slice(1 + WARMUP);
        }
        await context.close();
      }
      const web = { engine: `onnxruntime-web wasm in headless Chromium (${threads} threads, cross-origin isolated)`, time_to_first_prediction_ms: round(median(firsts)), time_to_first_prediction_runs_ms: firsts.map(round), per_image_ms_median: round(median(pageTimes)), images: pageTimes.length };
      results.push(web);
      const nodeResult = results[0] as { per_image_ms_median: number; time_to_first_prediction_ms: number };
      results.push({
        ratio: 'web / node',
        per_image: round(web.per_image_ms_median / nodeResult.per_image_ms_median),
        time_to_first_prediction: round(web.time_to_first_prediction_ms / nodeResult.time_to_first_prediction_ms),
      });
    } finally {
      await browser.close();
      await server.close();
    }
    return finish(
      {
        name: 'web',
        results,
        notes:
          'Batch 1, 64×64 PNG test images already at the model size. Page time to first prediction = navigation → first card done ' +
          '(page, model and ~14 MB ort wasm download from 127.0.0.1, wasm compile, session create, one image), median of ' +
          `${COLD_LOADS} fresh browser contexts; node time to first prediction = session create + one run. Per-image = median session.run ` +
          `after ${WARMUP} warm-up images. Shared 2-core machine: compare the ratio, not the absolute numbers.`,
      },
      model.source,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function finish(result: BenchResult, modelSource: string): Promise<BenchResult> {
  result.machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, model: modelSource };
  const dir = packageFile('bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'web.json');
  await writeFile(`${file}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${file}.tmp`, file);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
