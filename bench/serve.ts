/**
 * Serving throughput and latency: requests/s and p50/p99 at concurrency 1, 8 and 32 (autocannon
 * on 127.0.0.1, one 64×64 JPEG per request, POST /v1/classify), next to bare onnxruntime batch
 * throughput measured in the same run with the same threads: ratio = server images/s ÷ bare.
 * Goal: ratio ≥ 0.9 at c=32, with p99 ≤ 2 × the batching window on top of one batch's compute.
 *
 * Model: $TINYNET_BENCH_MODEL, else artifacts/model.onnx, else configs/config.yaml's network with
 * random weights exported by the real exporter (same graph and cost as a trained model).
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../core/paths.js';
import { spawn } from 'node:child_process';
import { readModelInfo } from '../serve/model/model-info.js';
import { sessionOptions, intraOpThreads } from '../serve/session/options.js';
import { testImage } from '../tests/helpers/serve-fixtures.js';
import { writeRandomModel } from '../tests/helpers/smoke-model.js';
import { loadConfig } from '../core/config/index.js';
import { mkdtempSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import type { BenchResult, BenchRow } from './lib/types.js';

const DURATION_S = Number(process.env.BENCH_SERVE_SECONDS ?? 12);
const MAX_BATCH = 32;
const MAX_DELAY_MS = 5;
const BARE_S = Math.max(2, DURATION_S / 4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bareThroughput(modelPath: string, threads: number, batch: number, seconds: number): Promise<number> {
  const info = readModelInfo(new Uint8Array(readFileSync(modelPath)), modelPath);
  const session = await ort.InferenceSession.create(modelPath, sessionOptions('cpu', threads));
  const n = batch * info.height * info.width * 3;
  const data = info.inputDtype === 'uint8' ? new Uint8Array(n).map((_, i) => i % 251) : new Float32Array(n).map((_, i) => (i % 251) / 255);
  const dims = info.layout === 'nhwc' ? [batch, info.height, info.width, 3] : [batch, 3, info.height, info.width];
  const feed = { [info.inputName]: new ort.Tensor(info.inputDtype, data, dims) };
  await session.run(feed); // warm-up
  let images = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await session.run(feed);
    images += batch;
  }
  const rate = images / ((performance.now() - start) / 1000);
  await session.release();
  return rate;
}

export async function run(): Promise<BenchResult> {
  process.env.TINYNET_LOG ??= 'warn';
  const { modelPath, source } = await pickModel();
  const threads = intraOpThreads(0, 1);

  // The server runs as `tinynet serve` in its own process, as users run it: the load generator must
  // not share the server's event loop.
  const server = await startServeProcess(modelPath, [
    'serve.providers=[cpu]',
    'serve.workers=1',
    `serve.threads=${threads}`,
    `serve.max_batch=${MAX_BATCH}`,
    `serve.max_delay_ms=${MAX_DELAY_MS}`,
    'serve.max_queue=4096',
  ]);
  const body = await testImage('jpeg', 3);
  const load = { url: `${server.url}/v1/classify?topk=5`, method: 'POST' as const, headers: { 'content-type': 'image/jpeg' }, body };
  const results: BenchRow[] = [];
  let seen = { count: 0, sum: 0 };
  try {
    for (const connections of [1, 8, 32]) {
      // The machine may be shared and its load drifts: measure the bare reference right before and
      // right after each level (server idle meanwhile) and compare against their mean.
      const bareBefore = await bareThroughput(modelPath, threads, MAX_BATCH, BARE_S);
      await autocannon({ ...load, connections, duration: 1 }); // warm-up at this concurrency
      seen = batchStats(await metricsText(server.url));
      // Steady-state throughput from the server's own counter over the middle of the run, so the
      // ramp-up and the tail (seconds each for a heavy model at c=32) do not skew it.
      const running = autocannon({ ...load, connections, duration: DURATION_S });
      await sleep((DURATION_S * 1000) / 4);
      const a = { images: imagesTotal(await metricsText(server.url)), t: performance.now() };
      await sleep((DURATION_S * 1000) / 2);
      const b = { images: imagesTotal(await metricsText(server.url)), t: performance.now() };
      const r = await running;
      const bare = (bareBefore + (await bareThroughput(modelPath, threads, MAX_BATCH, BARE_S))) / 2;
      const steady = (b.images - a.images) / ((b.t - a.t) / 1000);
      const batches = batchStats(await metricsText(server.url));
      const meanBatch = (batches.sum - seen.sum) / Math.max(1, batches.count - seen.count);
      const errors = r.errors + r.non2xx + r.timeouts;
      const c = `c=${connections}`;
      results.push(
        {
          case: `${c} server images/s, steady state (1 JPEG per request) vs bare onnxruntime (higher is better)`,
          value: round(steady),
          unit: 'img/s',
          reference: `bare onnxruntime batch ${MAX_BATCH}`,
          referenceValue: round(bare),
          ratio: round(steady / bare, 3),
        },
        { case: `${c} requests/s over the whole run (autocannon)`, value: round(r.requests.average), unit: 'req/s' },
        { case: `${c} latency p50`, value: r.latency.p50, unit: 'ms' },
        {
          case: `${c} latency p99 vs 2 × batching window (lower is better)`,
          value: r.latency.p99,
          unit: 'ms',
          reference: '2 × max_delay_ms',
          referenceValue: 2 * MAX_DELAY_MS,
          ratio: round(r.latency.p99 / (2 * MAX_DELAY_MS), 2),
        },
        { case: `${c} mean batch size`, value: round(meanBatch, 2), unit: 'images' },
        { case: `${c} failed requests`, value: errors, unit: 'requests' },
      );
    }
  } finally {
    await server.close();
  }
  return {
    name: 'serve',
    results,
    notes:
      `model: ${source}; server = \`tinynet serve\` in its own process (autocannon in the bench process); 1 worker × ${threads} intra-op threads; ` +
      `max_batch ${MAX_BATCH}, max_delay_ms ${MAX_DELAY_MS}; ${DURATION_S}s per level; bare = onnxruntime-node on the main thread, batch ` +
      `${MAX_BATCH}, same threads, ` +
      'the mean of runs right before and right after each level (server idle). ratio = server steady-state images/s (middle half of the run, from ' +
      'tinynet_images_total; 1 JPEG per request, decode + resize + HTTP included) ÷ bare images/s.',
  };
}

async function pickModel(): Promise<{ modelPath: string; source: string }> {
  const given = process.env.TINYNET_BENCH_MODEL;
  if (given) return { modelPath: path.resolve(given), source: given };
  const artifact = path.join(PACKAGE_ROOT, 'artifacts', 'model.onnx');
  if (existsSync(artifact)) return { modelPath: artifact, source: 'artifacts/model.onnx' };
  const { config } = loadConfig(path.join(PACKAGE_ROOT, 'configs', 'config.yaml'));
  const modelPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinynet-bench-serve-')), 'model.onnx');
  await writeRandomModel(modelPath, config.model, 64, 200);
  return {
    modelPath,
    source:
      `configs/config.yaml network (blocks ${JSON.stringify(config.model.blocks)}, widths ${JSON.stringify(config.model.widths)}), random ` +
      `weights, real exporter, 200 classes`,
  };
}

/** `tinynet serve` in a child process on a free port; resolves once it prints its listening line. */
async function startServeProcess(modelPath: string, sets: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const cli = path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
  const args = [cli, 'serve', '--model', modelPath, '--port', '0', '--no-demo', ...sets.flatMap((s) => ['--set', s])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TINYNET_LOG: 'warn' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('tinynet serve did not start within 120 s')), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`tinynet serve exited with ${code} before listening`)));
  });
  return {
    url,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function imagesTotal(metrics: string): number {
  return Number(/^tinynet_images_total (\S+)/m.exec(metrics)?.[1] ?? 0);
}

function batchStats(metrics: string): { count: number; sum: number } {
  const count = Number(/^tinynet_batch_size_count (\S+)/m.exec(metrics)?.[1] ?? 0);
  const sum = Number(/^tinynet_batch_size_sum (\S+)/m.exec(metrics)?.[1] ?? 0);
  return { count, sum };
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  const dir = path.join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'serve.json');
  const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, date: new Date().toISOString() };
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...r, machine }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.exit(0);
}
