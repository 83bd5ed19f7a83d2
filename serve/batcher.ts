/**
 * Dynamic batching: samples from concurrent requests wait in one queue and run together, up to
 * `maxBatch` per run, as soon as a worker is free and either the batch is full or the oldest
 * sample has waited `maxDelayMs`. A request that would push the queue past `maxQueue` is refused
 * at once (the HTTP layer answers 503 + Retry-After) instead of growing latency without bound.
 */
import { TinynetError } from '../core/errors.js';
import type { SessionPool } from './session/pool.js';
import type { ModelInfo } from './model/model-info.js';
import { inputDims, softmaxRows, stackSamples, type Sample } from './model/input-tensor.js';

export interface BatcherOptions {
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
}

export interface SampleResult {
  probabilities: Float32Array;
  logits: Float32Array | null;
}

export interface BatchStats {
  size: number;
  inferMs: number;
  /** Time the oldest sample of the batch waited in the queue. */
  waitMs: number;
}

interface Pending {
  sample: Sample;
  enqueuedAt: number;
  resolve: (r: SampleResult) => void;
  reject: (e: Error) => void;
}

export class QueueFullError extends TinynetError {
  constructor(readonly retryAfterSec: number) {
    super('serve.overloaded', 'the inference queue is full; retry shortly');
  }
}

export class DynamicBatcher {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private draining = false;
  onBatch: (stats: BatchStats) => void = () => undefined;

  constructor(
    private readonly pool: SessionPool,
    private readonly info: ModelInfo,
    private readonly opts: BatcherOptions,
  ) {
    pool.onIdle = () => this.schedule();
  }

  /** Samples waiting (not yet running). */
  get depth(): number {
    return this.queue.length;
  }

  submit(samples: Sample[]): Promise<SampleResult[]> {
    if (this.queue.length + samples.length > this.opts.maxQueue) {
      // Retry-After is whole seconds; a full queue of small images clears well within one.
      return Promise.reject(new QueueFullError(1));
    }
    const now = performance.now();
    const promises = samples.map((sample) => new Promise<SampleResult>((resolve, reject) => this.queue.push({ sample, enqueuedAt: now, resolve, reject })));
    this.schedule();
    return Promise.all(promises);
  }

  /** Run everything queued without waiting for the batching window; resolves when all are done. */
  drain(): Promise<void> {
    this.draining = true;
    this.schedule();
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private schedule(): void {
    while (this.queue.length > 0 && this.pool.idleWorkers > 0) {
      const waited = performance.now() - this.queue[0].enqueuedAt;
      if (this.queue.length < this.opts.maxBatch && waited < this.opts.maxDelayMs && !this.draining) {
        if (!this.timer) {
          this.timer = setTimeout(
            () => {
              this.timer = null;
              this.schedule();
            },
            Math.max(0, this.opts.maxDelayMs - waited),
          );
        }
        return;
      }
      // pool.run() hands the batch to a worker synchronously, so idleWorkers drops at once.
      this.dispatch(this.queue.splice(0, this.opts.maxBatch));
    }
    this.checkDrained();
  }

  private dispatch(batch: Pending[]): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.inFlight += 1;
    const waitMs = performance.now() - batch[0].enqueuedAt;
    const info = this.info;
    const outputs = [info.probabilitiesName, info.logitsName].filter((n): n is string => n !== null);
    this.pool
      .run({
        inputName: info.inputName,
        dtype: info.inputDtype,
        dims: inputDims(info, batch.length),
        data: stackSamples(
          batch.map((p) => p.sample),
          info,
        ),
        outputs,
      })
      .then(
        ({ outputs: out, inferMs }) => {
          const k = info.numClasses;
          const logits = info.logitsName ? out[info.logitsName].data : null;
          const probs = info.probabilitiesName ? out[info.probabilitiesName].data : softmaxRows(logits!, k);
          batch.forEach((p, i) => {
            p.resolve({ probabilities: probs.subarray(i * k, (i + 1) * k), logits: logits ? logits.subarray(i * k, (i + 1) * k) : null });
          });
          this.onBatch({ size: batch.length, inferMs, waitMs });
        },
        (err: Error) =>
          batch.forEach((p) => {
            p.reject(err);
          }),
      )
      .finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
  }

  private checkDrained(): void {
    if (this.queue.length === 0 && this.inFlight === 0 && this.drainWaiters.length > 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }
}
