/**
 * Worker thread owning one onnxruntime session. onnxruntime-node computes synchronously on the
 * thread that calls run(), so each session lives here and the HTTP thread only posts messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

// The attempt at a GPU provider that is not installed must not print onnxruntime's own error dump.
ort.env.logLevel = 'fatal';
import { sessionOptions } from './options.js';
import { missingProviderLibrary, type ProviderName } from '../../core/onnxruntime-providers.js';
import type { RunRequest, RunResult, WorkerInit, WorkerReady } from './messages.js';

const init = workerData as WorkerInit;
const port = parentPort!;

async function open(): Promise<{ session: ort.InferenceSession; provider: ProviderName; fallbacks: string[] }> {
  const fallbacks: string[] = [];
  for (const provider of init.providers) {
    const missing = process.platform === 'linux' ? missingProviderLibrary(provider) : null;
    if (missing) {
      fallbacks.push(`${provider}: ${missing}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(init.modelPath, sessionOptions(provider, init.threads));
      return { session, provider, fallbacks };
    } catch (err) {
      fallbacks.push(`${provider}: ${((err as Error).message ?? String(err)).split('\n')[0]}`);
    }
  }
  throw new Error(`no execution provider could load the model (${fallbacks.join('; ')})`);
}

try {
  const { session, provider, fallbacks } = await open();
  if (init.warmup) {
    const n = init.warmup.dims.reduce((a, b) => a * b, 1);
    const data = init.warmup.dtype === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
    await session.run({ [init.warmup.inputName]: new ort.Tensor(init.warmup.dtype, data, init.warmup.dims) });
  }
  const ready: WorkerReady = { type: 'ready', provider, fallbacks, inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  port.postMessage(ready);

  port.on('message', async (msg: RunRequest | { type: 'close' }) => {
    if (msg.type === 'close') {
      await session.release().catch(() => undefined);
      port.close();
      return;
    }
    let reply: RunResult;
    const transfer: ArrayBuffer[] = [];
    try {
      const start = performance.now();
      const out = await session.run({ [msg.inputName]: new ort.Tensor(msg.dtype, msg.data, msg.dims) }, msg.outputs);
      const inferMs = performance.now() - start;
      const outputs: Record<string, { data: Float32Array; dims: number[] }> = {};
      for (const name of msg.outputs) {
        const t = out[name];
        // Copy out of onnxruntime's buffer so the copy can be transferred without cloning.
        const data = Float32Array.from(t.data as Float32Array);
        outputs[name] = { data, dims: [...t.dims] };
        transfer.push(data.buffer as ArrayBuffer);
        t.dispose();
      }
      reply = { type: 'result', id: msg.id, outputs, inferMs };
    } catch (err) {
      reply = { type: 'error', id: msg.id, message: ((err as Error).message ?? String(err)).split('\n')[0] };
    }
    port.postMessage(reply, transfer);
  });
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message ?? String(err) });
}
