/**
 * Serving throughput and latency: requests/s and p50/p99 at concurrency 1, 8 and 32 (autocannon
 * on 127.0.0.1, one 64×64 JPEG per request, POST /v1/classify), next to bare onnxruntime batch
 * throughput measured in the same run with the same threads: ratio = server images/s ÷ bare.
 * Goal: ratio ≥ 0.9 at c=32, with p99 ≤ 2 × the batching window on top of one batch's compute.
 *
 * Model: artifacts/model.onnx when present (the real exported network), else a fixture CNN sized
 * so one image costs a few milliseconds — HTTP overhead then shows as it would for a real model.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import ort from 'onnxruntime-node';
import { validateConfig } from '../core/config/index.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { startServer } from '../serve/server.js';
import { readModelInfo } from '../serve/model/model-info.js';
import { sessionOptions, intraOpThreads } from '../serve/session/options.js';
import { writeTinyModel, testImage } from '../tests/helpers/serve-fixtures.js';
import { readFileSync } from 'node:fs';

export interface BenchResult {
  name: string;
  machine?: Record<string, unknown>;
  results: Array<Record<string, unknown>>;
  notes?: string;
}

const DURATION_S = Number(process.env.BENCH_SERVE_SECONDS ?? 6);
const MAX_BATCH = 32;
const MAX_DELAY_MS = 5;

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
  const real = path.join(PACKAGE_ROOT, 'artifacts', 'model.onnx');
  const modelPath = existsSync(real) ? real : writeTinyModel({ width: 48, depth: 3, numClasses: 200 });
  const threads = intraOpThreads(0, 1);

  const { config } = validateConfig({ serve: { port: 0, providers: ['cpu'], workers: 1, threads, max_batch: MAX_BATCH, max_delay_ms: MAX_DELAY_MS, max_queue: 4096 } });
  const server = await startServer({ modelPath, config: config.serve });
  const body = await testImage('jpeg', 3);
  const results: BenchResult['results'] = [];
  let seen = { count: 0, sum: 0 };
  try {
    for (const connections of [1, 8, 32]) {
      // The machine is shared and its load drifts: measure the bare reference right next to each
      // level (server idle meanwhile) so every ratio compares like with like.
      const bare = await bareThroughput(modelPath, threads, MAX_BATCH, Math.max(2, DURATION_S / 2));
      // A short warm-up at this concurrency, then the measured run.
      await autocannon({ url: server.url + '/v1/classify?topk=5', method: 'POST', headers: { 'content-type': 'image/jpeg' }, body, connections, duration: 1 });
      seen = batchStats(await (await fetch(server.url + '/metrics')).text());
      const r = await autocannon({ url: server.url + '/v1/classify?topk=5', method: 'POST', headers: { 'content-type': 'image/jpeg' }, body, connections, duration: DURATION_S });
      const rps = r.requests.average;
      const batches = batchStats(await (await fetch(server.url + '/metrics')).text());
      const levelBatches = batches.count - seen.count;
      const levelImages = batches.sum - seen.sum;
      seen = batches;
      results.push({
        concurrency: connections,
        requests_per_s: round(rps),
        latency_p50_ms: r.latency.p50,
        latency_p99_ms: r.latency.p99,
        errors: r.errors + r.non2xx + r.timeouts,
        bare_onnxruntime_images_per_s: round(bare),
        ratio_vs_bare: round(rps / bare, 3),
        p99_over_batching_window: round(r.latency.p99 / MAX_DELAY_MS, 1),
        mean_batch_size: round(levelImages / Math.max(1, levelBatches), 2),
      });
    }
  } finally {
    await server.close();
  }
  const out: BenchResult = {
    name: 'serve',
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, onnxruntime: ort.env.versions?.node },
    results,
    notes:
      `model ${existsSync(real) ? 'artifacts/model.onnx' : 'fixture CNN (width 48, depth 3, 200 classes)'}; 1 worker × ${threads} intra-op threads; ` +
      `max_batch ${MAX_BATCH}, max_delay_ms ${MAX_DELAY_MS}; ${DURATION_S}s per level; bare = onnxruntime-node on the main thread, batch ${MAX_BATCH}, same threads, ` +
      'measured right before each level while the server is idle. ratio = server requests/s (1 image each, JPEG decode + resize included) ÷ bare images/s.',
  };
  const dir = path.join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'serve.json');
  writeFileSync(file + '.tmp', JSON.stringify(out, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  return out;
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
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  process.exit(0);
}
