/**
 * Child process of bench/wasm-peak.ts: times the peak kernel (bench/wasm-peak-kernel.ts) on N worker
 * threads at once, each on its own instance, and prints one JSON line. A child process because the
 * V8 flags (--experimental-wasm-relaxed-simd, --liftoff-only, --no-liftoff) are per process and
 * must be set before the module is compiled; worker threads share them.
 * Run: node [v8 flags] dist/bench/wasm-peak-worker.js '{"variant":"mul-add","threads":2}'
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { lastJsonLine, run$ } from './lib/child.js';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { assemblePeakKernel, compilePeakKernel, instantiatePeakKernel, FLOP_PER_ITERATION, type PeakVariant } from './wasm-peak-kernel.js';

export interface PeakOptions {
  variant: PeakVariant;
  threads: number;
  /** Each thread calls the kernel for this long before the first window (V8 tiers up Liftoff → TurboFan). */
  warmupMs?: number;
  /** Timed windows, every thread running during the whole window. */
  windows?: number;
  windowMs?: number;
}

export interface PeakMeasurement {
  variant: PeakVariant;
  threads: number;
  /** Best window: the rate least disturbed by other processes, i.e. the peak. */
  gflops: number;
  /** Every window, GFLOP/s summed over threads (total FLOP / window wall time). */
  window_gflops: number[];
  /** First kernel call of each thread, before warm-up: usually still Liftoff code. */
  first_call_gflops: number[];
  v8_flags: string[];
}

/** One measurement in a child `node <flags>`; the error's first line when V8 refuses the flag or the kernel. */
export async function measurePeakInChild(flags: string[], options: PeakOptions): Promise<PeakMeasurement | { error: string }> {
  try {
    const { stdout } = await run$(process.execPath, [...flags, fileURLToPath(import.meta.url), JSON.stringify(options)], { maxBuffer: 1 << 20 });
    return lastJsonLine(stdout) as PeakMeasurement;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const lines = (err.stderr ?? err.message).split('\n').map((l) => l.trim());
    return { error: lines.find((l) => /Error|bad option|not available/.test(l)) ?? lines.find(Boolean) ?? err.message };
  }
}

/** Kernel calls this long keep the stop flag's latency (at most one call) small next to a window. */
const ITERATIONS_PER_CALL = 1 << 18;
/** acc = acc * 0.999 + 0.001 converges to 1 and acc += 0.999 * 0.001 stops growing near 2^15: never inf nor subnormal. */
const M = 0.999;
const C = 0.001;

interface WorkerInit {
  wasmPeakWorker: true;
  bytes: Uint8Array;
  control: SharedArrayBuffer;
  warmupMs: number;
}

/** Worker side: warm up, report, then on each 'window' message run until the stop flag is set. */
function workerMain(init: WorkerInit): void {
  const port = parentPort!;
  const control = new Int32Array(init.control);
  const kernel = instantiatePeakKernel(compilePeakKernel(init.bytes));
  kernel.accumulators.fill(0.5);
  const t0 = performance.now();
  kernel.run(ITERATIONS_PER_CALL, M, C);
  const firstS = (performance.now() - t0) / 1000;
  while (performance.now() - t0 < init.warmupMs) kernel.run(ITERATIONS_PER_CALL, M, C);
  port.postMessage({ ready: true, first_call_gflops: (ITERATIONS_PER_CALL * FLOP_PER_ITERATION) / firstS / 1e9 });
  port.on('message', () => {
    let calls = 0;
    while (Atomics.load(control, 0) === 0) {
      kernel.run(ITERATIONS_PER_CALL, M, C);
      calls++;
    }
    if (!kernel.accumulators.every(Number.isFinite)) throw new Error('peak kernel accumulators left the finite range');
    port.postMessage({ calls });
  });
}

function once<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    worker.once('error', onError);
    worker.once('message', (m: T) => {
      worker.off('error', onError);
      resolve(m);
    });
  });
}

export async function measurePeak(o: PeakOptions): Promise<PeakMeasurement> {
  const warmupMs = o.warmupMs ?? 400;
  const windows = o.windows ?? 5;
  const windowMs = o.windowMs ?? 300;
  const bytes = await assemblePeakKernel(o.variant);
  compilePeakKernel(bytes); // fails here, in one place, when V8 lacks the feature
  const control = new SharedArrayBuffer(4);
  const flag = new Int32Array(control);
  const init: WorkerInit = { wasmPeakWorker: true, bytes, control, warmupMs };
  const workers = Array.from({ length: o.threads }, () => new Worker(fileURLToPath(import.meta.url), { workerData: init }));
  try {
    const ready = await Promise.all(workers.map((w) => once<{ first_call_gflops: number }>(w)));
    const windowGflops: number[] = [];
    for (let i = 0; i < windows; i++) {
      Atomics.store(flag, 0, 0);
      const done = workers.map((w) => once<{ calls: number }>(w));
      const t0 = performance.now();
      for (const w of workers) w.postMessage({ window: true });
      await new Promise((r) => setTimeout(r, windowMs));
      Atomics.store(flag, 0, 1);
      const calls = (await Promise.all(done)).reduce((a, d) => a + d.calls, 0);
      // Wall time until the last thread finished its last call: that work is counted too.
      const seconds = (performance.now() - t0) / 1000;
      windowGflops.push((calls * ITERATIONS_PER_CALL * FLOP_PER_ITERATION) / seconds / 1e9);
    }
    return {
      variant: o.variant,
      threads: o.threads,
      gflops: Math.max(...windowGflops),
      window_gflops: windowGflops,
      first_call_gflops: ready.map((r) => r.first_call_gflops),
      v8_flags: process.execArgv,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && (workerData as Partial<WorkerInit> | null)?.wasmPeakWorker) {
  workerMain(workerData as WorkerInit);
} else if (isMainThread && process.argv[1]?.endsWith('wasm-peak-worker.js')) {
  const options = JSON.parse(process.argv[2] ?? '{}') as PeakOptions;
  process.stdout.write(`${JSON.stringify(await measurePeak(options))}\n`);
  process.exit(0);
}
