/**
 * Multithreaded tfjs-backend-wasm in Node.
 *
 * Stock tfjs 4.22 never uses wasm threads in Node, for three reasons (tfjs issue #3830):
 *  1. the `WASM_HAS_MULTITHREAD_SUPPORT` flag returns false whenever `IS_NODE`;
 *  2. it gives Emscripten a Blob URL for the pthread worker, which `worker_threads` cannot load;
 *  3. the XNNPACK pool defaults to half the logical cores (1 on a 2-core machine).
 * We do not touch node_modules. Instead we instantiate the package's own threaded-SIMD Emscripten
 * module (`wasm-out/…threaded-simd.js`, same build as the bundled one; the `.wasm` next to it is
 * byte-identical to `dist/`'s) with a `locateFile` that points at a worker file Node can load, and
 * hand it to the package's exported `BackendWasm` class, re-registered under the name `wasm` so the
 * stock kernels (registered per backend name) keep working. The pool size comes from
 * `setThreadsCount`, which `BackendWasm`'s constructor passes to XNNPACK.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const FACTORY = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
const WORKER = fileURLToPath(new URL('./wasm-pthread-worker.cjs', import.meta.url));
/** tfjs-backend-wasm's own priority for the `wasm` backend. */
const WASM_PRIORITY = 2;

type EmscriptenModule = Record<string, unknown> & { cwrap: (...a: unknown[]) => unknown };
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** Instantiates the threaded-SIMD module and adds the `tfjs` bridge that BackendWasm expects. */
async function instantiateThreaded(): Promise<EmscriptenModule> {
  const factory = require(FACTORY) as Factory;
  const module = await factory({
    locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? WORKER : prefix + path),
  });
  // Same bridge as tfjs-backend-wasm's init() (backend_wasm.ts).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * The C++ side sizes the XNNPACK pool as min(requested, emscripten_num_logical_cores() / 2), and in
 * Node that core count is `os.cpus().length` — so on 2 cores it never exceeds 1. While the module is
 * instantiated and the pool created, report enough cores for the requested count to pass; restored
 * right after (nothing else runs on this thread in between but the module's own start-up).
 */
async function withReportedCores<T>(cores: number, fn: () => Promise<T>): Promise<T> {
  const real = os.cpus;
  os.cpus = () => {
    const list = real();
    return Array.from({ length: Math.max(cores, list.length) }, (_, i) => list[i % list.length]);
  };
  try {
    return await fn();
  } finally {
    os.cpus = real;
  }
}

/**
 * The XNNPACK pool's threads live forever, and Emscripten keeps their workers ref'd, so Node would
 * never exit once the backend exists. They synchronise through shared memory, not the event loop,
 * so unref'ing them changes nothing but that.
 */
function unrefWorkers(module: EmscriptenModule): void {
  const pthread = module.PThread as { runningWorkers: Worker[]; unusedWorkers: Worker[] } | undefined;
  for (const worker of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) worker.unref();
}

/**
 * Replaces the `wasm` backend factory by one that runs XNNPACK on `threads` threads.
 * Must run before the backend is first initialized (before `tf.setBackend('wasm')`).
 */
export function useThreadedWasm(threads: number, onFallback: (err: unknown) => void): void {
  const stockFactory = tf.findBackendFactory('wasm');
  if (stockFactory == null) throw new Error('tfjs-backend-wasm is not loaded');
  setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        return await withReportedCores(2 * threads, async () => {
          const module = await instantiateThreaded();
          // BackendWasm's constructor only needs the Emscripten module; its type is not exported.
          const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
          unrefWorkers(module);
          return backend;
        });
      } catch (err) {
        // No shared memory or workers here: the stock single-threaded SIMD module still works.
        onFallback(err);
        setThreadsCount(1);
        return stockFactory();
      }
    },
    WASM_PRIORITY,
  );
}
