/**
 * A small pool of onnxruntime sessions, one per worker thread. `run()` hands a batch to an idle
 * worker (or queues it until one frees up) and resolves with the outputs; the HTTP thread never
 * computes. `onIdle` lets the dynamic batcher dispatch the moment a worker frees.
 */
import { Worker } from 'node:worker_threads';
import { createLogger } from '../../core/log.js';
import { TinynetError } from '../../core/errors.js';
import type { RunRequest, RunResult, WorkerInit, WorkerReady, WorkerFailed } from './messages.js';
import { intraOpThreads, type SessionSettings } from './options.js';
import type { ProviderName } from '../../core/onnxruntime-providers.js';

const log = createLogger('serve/session');
const WORKER_URL = new URL('./worker.js', import.meta.url);

export interface BatchInput {
  inputName: string;
  dtype: 'uint8' | 'float32';
  dims: number[];
  data: Uint8Array | Float32Array;
  outputs: string[];
}

export interface BatchOutput {
  outputs: Record<string, { data: Float32Array; dims: number[] }>;
  inferMs: number;
}

interface Job {
  input: BatchInput;
  resolve: (out: BatchOutput) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

export interface PoolInfo {
  provider: ProviderName;
  threads: number;
  workers: number;
  inputNames: string[];
  outputNames: string[];
  /** Providers passed over on the way to `provider`, each with why. */
  fallbacks: string[];
}

export class SessionPool {
  private readonly slots: Slot[] = [];
  private readonly pending: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Called whenever a worker becomes free (after a batch finishes). */
  onIdle: () => void = () => undefined;

  private constructor(
    private readonly init: WorkerInit,
    readonly info: PoolInfo,
  ) {}

  /** Start `settings.workers` sessions in parallel; resolves when all are warm. */
  static async open(settings: SessionSettings, warmup: WorkerInit['warmup']): Promise<SessionPool> {
    const threads = intraOpThreads(settings.threads, settings.workers);
    const init: WorkerInit = { modelPath: settings.modelPath, providers: settings.providers, threads, warmup };
    const started = await Promise.allSettled(Array.from({ length: settings.workers }, () => startWorker(init)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      for (const s of started) if (s.status === 'fulfilled') void s.value.worker.terminate();
      throw (failed as PromiseRejectedResult).reason;
    }
    const ok = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; ready: WorkerReady }>).value);
    const first = ok[0].ready;
    for (const f of first.fallbacks) {
      const hint = f.startsWith('cuda') ? ' (the CUDA provider needs ONNXRUNTIME_NODE_INSTALL=cuda12 at npm install)' : '';
      // A provider that is simply not installed is the normal case on a CPU machine; one that failed to load is not.
      const say = f.includes('is not installed in') ? log.info : log.warn;
      say(`execution provider unavailable, falling back: ${f}${hint}`);
    }
    const pool = new SessionPool(init, {
      provider: first.provider,
      threads,
      workers: settings.workers,
      inputNames: first.inputNames,
      outputNames: first.outputNames,
      fallbacks: first.fallbacks,
    });
    for (const { worker } of ok) pool.adopt(worker);
    return pool;
  }

  get idleWorkers(): number {
    return this.slots.filter((s) => s.job === null).length;
  }

  get busyWorkers(): number {
    return this.slots.length - this.idleWorkers;
  }

  run(input: BatchInput): Promise<BatchOutput> {
    if (this.closed) return Promise.reject(new TinynetError('serve.closed', 'the session pool is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      this.pump();
    });
  }

  /** Waits for running batches, then stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.pending.splice(0)) job.reject(new TinynetError('serve.closed', 'the session pool is closed'));
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            slot.worker.once('exit', () => resolve());
            const stop = () => slot.worker.postMessage({ type: 'close' });
            if (slot.job) {
              const { resolve: res, reject: rej } = slot.job;
              slot.job.resolve = (o) => {
                res(o);
                stop();
              };
              slot.job.reject = (e) => {
                rej(e);
                stop();
              };
            } else stop();
            // A worker stuck in native code must not hold shutdown forever.
            setTimeout(() => void slot.worker.terminate(), 10_000).unref();
          }),
      ),
    );
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, job: null };
    this.slots.push(slot);
    worker.on('message', (msg: RunResult) => {
      const job = slot.job;
      slot.job = null;
      if (!job) return;
      if (msg.type === 'result') job.resolve({ outputs: msg.outputs, inferMs: msg.inferMs });
      else job.reject(new TinynetError('serve.inference_failed', `inference failed: ${msg.message}`));
      this.pump();
      this.onIdle();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.job?.reject(new TinynetError('serve.inference_failed', `inference worker stopped: ${why}`));
      slot.job = null;
      if (this.closed) return;
      log.error(`inference worker stopped (${why}); starting a new one`);
      startWorker({ ...this.init, warmup: null }).then(
        ({ worker: w }) => {
          if (this.closed) void w.terminate();
          else {
            this.adopt(w);
            this.pump();
            this.onIdle();
          }
        },
        (err) => log.error(`could not restart the inference worker: ${(err as Error).message}`),
      );
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => {
      if (!this.closed) lost(`exit code ${code}`);
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.pending.length === 0) return;
      if (slot.job) continue;
      const job = this.pending.shift()!;
      slot.job = job;
      const msg: RunRequest = { type: 'run', id: this.nextId++, ...job.input };
      slot.worker.postMessage(msg, [msg.data.buffer as ArrayBuffer]);
    }
  }
}

function startWorker(init: WorkerInit): Promise<{ worker: Worker; ready: WorkerReady }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: init });
    const onMessage = (msg: WorkerReady | WorkerFailed) => {
      worker.off('error', onError);
      if (msg.type === 'ready') resolve({ worker, ready: msg });
      else {
        void worker.terminate();
        reject(
          new TinynetError(
            'model.load_failed',
            `cannot load ${init.modelPath}: ${msg.message}`,
            'check that the file is a valid ONNX model (tinynet export writes one)',
          ),
        );
      }
    };
    const onError = (err: Error) => reject(new TinynetError('model.load_failed', `inference worker failed to start: ${err.message}`));
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}
