/**
 * The browser demo's speed next to the server's engine, same model, same run:
 * - headless Chromium (Debian's), onnxruntime-web wasm, page served by demoRoutes with COOP/COEP:
 *   time from navigation to the first prediction (model download, wasm compile, session, one image),
 *   and per-image inference time (session.run as the page measures it, batch 1);
 * - onnxruntime-node in this process: time to the first prediction (session create + one run) and
 *   per-image run time, batch 1.
 * Model: $TINYNET_BENCH_MODEL, else artifacts/model.onnx, else configs/config.yaml's network with random
 * weights exported by the real exporter (same graph and size as a trained model).
 * `npm run bench` (bench/run-all.ts) writes bench/results/web.json; so does `node dist/bench/web.js`.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import * as ort from 'onnxruntime-node';
import { packageFile } from '../core/paths.js';
import type { BenchResult, BenchRow } from './lib/types.js';
import { decodeImage } from '../core/image/decode.js';
import { demoRoutes } from '../serve/routes/demo.js';
import { loadConfig } from '../core/config/index.js';
import { writeRandomModel } from '../tests/helpers/smoke-model.js';
import { chromiumMissing, launchChromium, listen, writeTestImages } from '../tests/web-demo/helpers.js';

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
  // The real network (configs/config.yaml's model section, 200 classes), random weights, real exporter.
  const file = path.join(tmp, 'seed-random.onnx');
  const { config } = loadConfig(packageFile('configs', 'config.yaml'));
  await writeRandomModel(file, config.model, 64, 200);
  return {
    file,
    source:
      `configs/config.yaml network (blocks ${JSON.stringify(config.model.blocks)}, widths ${JSON.stringify(config.model.widths)}), random ` +
      `weights, exported with the uint8 head, 200 classes`,
  };
}

export async function run(): Promise<BenchResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tinynet-bench-web-'));
  try {
    const model = await pickModel(tmp);
    const images = await writeTestImages(path.join(tmp, 'images'), IMAGES, 64);
    const rows: BenchRow[] = [];

    // onnxruntime-node, main thread, default session options (as a plain script would use it).
    const tensors = await Promise.all(
      images.map(async (f) => {
        const { pixels } = await decodeImage(new Uint8Array(await readFile(f)), { width: 64, height: 64, maxInputPixels: 1e8 });
        return new ort.Tensor('uint8', pixels, [1, 64, 64, 3]);
      }),
    );
    const nodeT0 = performance.now();
    const session = await ort.InferenceSession.create(model.file);
    await session.run({ [session.inputNames[0]]: tensors[0] });
    const nodeFirst = performance.now() - nodeT0;
    const nodeTimes: number[] = [];
    for (let i = 0; i < tensors.length; i++) {
      const t = performance.now();
      await session.run({ [session.inputNames[0]]: tensors[i] });
      if (i >= WARMUP) nodeTimes.push(performance.now() - t);
    }
    await session.release();
    const node = { first: nodeFirst, perImage: median(nodeTimes) };
    const NODE = 'onnxruntime-node (CPU, default threads)';

    const skip = chromiumMissing();
    if (skip) {
      rows.push({ case: 'onnxruntime-node time to first prediction', value: round(node.first), unit: 'ms' });
      rows.push({ case: 'onnxruntime-node per-image inference (batch 1)', value: round(node.perImage), unit: 'ms' });
      return { name: 'web', results: rows, notes: `Model: ${model.source}. Browser part skipped: ${skip}.` };
    }
    let coldRuns: number[] = [];
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
      const webFirst = median(firsts);
      const webPerImage = median(pageTimes);
      rows.push({
        case: `time to first prediction: Chromium wasm (${threads} threads) vs onnxruntime-node`,
        value: round(webFirst),
        unit: 'ms',
        reference: NODE,
        referenceValue: round(node.first),
        ratio: round(webFirst / node.first),
      });
      rows.push({
        case: `per-image inference, batch 1: Chromium wasm (${threads} threads) vs onnxruntime-node`,
        value: round(webPerImage),
        unit: 'ms',
        reference: NODE,
        referenceValue: round(node.perImage),
        ratio: round(webPerImage / node.perImage),
      });
      coldRuns = firsts.map(round);
    } finally {
      await browser.close();
      await server.close();
    }
    return {
      name: 'web',
      results: rows,
      notes:
        `Model: ${model.source}. Batch 1, 64×64 PNG test images already at the model size; ratio = browser / node (lower is better for the browser). ` +
        'Browser time to first prediction = navigation → first result on the page (page, model and the ~14 MB ort wasm from 127.0.0.1, ' +
        `wasm compile, session create, one image), median of ${COLD_LOADS} fresh browser contexts (${coldRuns.join(', ')} ms); ` +
        'node = session create + one run. Per-image = median session.run as the page times it, ' +
        `after ${WARMUP} warm-up images, ${IMAGES - WARMUP} images. Shared 2-core machine: read the ratios. Reproduce: node dist/bench/web.js (or npm ` +
        `run bench -- web).`,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  const dir = packageFile('bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'web.json');
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, date: new Date().toISOString() };
  await writeFile(`${file}.tmp`, `${JSON.stringify({ ...result, machine }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  console.log(JSON.stringify(result, null, 2));
}
