import { Worker } from 'node:worker_threads';
import { decodeImage, type DecodedImage } from '../core/image/decode.js';
import type { ResizeRule } from '../core/image/resize-rule.js';
import type { DecodeReply, DecodeRequest } from './decode-worker.js';

export type DecodeResult = DecodedImage | { error: string };

/** Decodes batches of images to size×size model pixels, in worker threads or (threads = 0) on the calling thread. */
export interface DecodePool {
  readonly threads: number;
  decodeBatch(items: Uint8Array[]): Promise<DecodeResult[]>;
  close(): Promise<void>;
}

export function createDecodePool(threads: number, size: number, rule: ResizeRule): DecodePool {
  if (threads <= 0) {
    return {
      threads: 0,
      async decodeBatch(items) {
        const out: DecodeResult[] = [];
        for (const bytes of items) {
          try {
            out.push(await decodeImage(bytes, { width: size, height: size, rule }));
          } catch (err) {
            out.push({ error: (err as Error).message });
          }
        }
        return out;
      },
      async close() {},
    };
  }
  const url = new URL('./decode-worker.js', import.meta.url);
  const workers = Array.from({ length: threads }, () => new Worker(url));
  const load = new Array(threads).fill(0);
  const pending = new Map<number, { resolve: (r: DecodeResult[]) => void; reject: (e: Error) => void; worker: number }>();
  let nextId = 0;
  let failure: Error | null = null;
  workers.forEach((w, i) => {
    w.on('message', (reply: DecodeReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      load[i]--;
      p.resolve(reply.results);
    });
    w.on('error', (err) => {
      failure = err;
      for (const [id, p] of pending)
        if (p.worker === i) {
          pending.delete(id);
          p.reject(err);
        }
    });
  });
  return {
    threads,
    decodeBatch(items) {
      if (failure) return Promise.reject(failure);
      // The least busy worker takes the batch.
      const i = load.indexOf(Math.min(...load));
      load[i]++;
      const id = nextId++;
      return new Promise<DecodeResult[]>((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: i });
        // Structured clone would copy a view's whole underlying buffer (a parquet page): send
        // compact copies and transfer them.
        const own = items.map((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice()));
        workers[i].postMessage(
          { id, size, rule, items: own } satisfies DecodeRequest,
          own.map((b) => b.buffer as ArrayBuffer),
        );
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
