/**
 * The pthread worker that tfjs-backend-wasm's threaded build needs, in a form Node can load.
 *
 * Stock tfjs hands Emscripten a Blob URL for this worker and a Blob holding the module factory's
 * `toString()`; Node's worker_threads cannot load Blob URLs, and the stringified factory refers to
 * variables of the rollup bundle that do not exist inside a worker. So we run the stock worker
 * script unchanged, then replace its `importScripts` so that the factory is `require`d from the
 * package's own `wasm-out/` file — the very file the main thread instantiated (see wasm-threads.ts).
 * CommonJS on purpose: Emscripten starts it with `new Worker(path)` and no options.
 */
const scope = globalThis as unknown as Record<string, unknown>;
const stockWorker = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
// The stock script expects CommonJS globals (it was written for `node worker.js`).
scope.require = require;
scope.__filename = stockWorker;
// That file is a CommonJS module exporting the worker's source as a string, in which a "\n" escape
// became a real newline inside a string literal; re-escape it as tfjs does before making its Blob.
const source = (require(stockWorker) as { wasmWorkerContents: string }).wasmWorkerContents;
(0, eval)(source.replace(/\n/g, '\\n'));
scope.importScripts = (file: string) => {
  scope.WasmBackendModuleThreadedSimd = require(file);
};
