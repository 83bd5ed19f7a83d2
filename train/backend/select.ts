/**
 * Picks the engine training runs on, and says so in one log line.
 *
 * `auto`: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (native TensorFlow, loaded only
 * if the user installed it — they are not in package.json because their install scripts download
 * libtensorflow, which fails offline and would break `npm ci`), then `onnxruntime` (onnxruntime-node's
 * native kernels: its CUDA provider when the CUDA build is installed, else CPU), then `wasm` (with our
 * training kernels and, in Node, threads), then the pure-JS `cpu` (correct but far too slow for the
 * default model). With onnxruntime, TensorFlow.js still builds the model and runs the data pipeline's
 * tensor ops, on wasm (one thread: the step's threads belong to onnxruntime).
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { TinynetError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { useThreadedWasm } from './wasm-threads.js';
import { cudaUnavailable, trainThreads, type TrainProvider } from '../onnxruntime/session.js';

export type BackendKind = 'auto' | 'tensorflow' | 'onnxruntime' | 'wasm' | 'cpu';

export interface SelectedBackend {
  /** The engine's name as checkpoints record it: `onnxruntime`, or the tfjs backend `tensorflow`, `wasm`, `cpu`. */
  name: string;
  /** Compute threads the backend uses (XNNPACK pool for wasm; 0 = chosen by TensorFlow). */
  threads: number;
  /** Human-readable device, e.g. `CPU (WebAssembly SIMD, 2 threads)`. */
  device: string;
  /** Set when training steps run on onnxruntime-node. */
  onnxruntime?: { provider: TrainProvider; threads: number };
}

const log = createLogger('backend');

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const INSTALL_HINT =
  'Install the native backend: `npm install @tensorflow/tfjs-node` (CPU) or `npm install @tensorflow/tfjs-node-gpu` (CUDA), ' + 'or use --backend wasm.';

/** True when `pkg` itself is absent (not when it is installed but one of its own imports fails). */
function isAbsent(err: unknown, pkg: string): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (message ?? '').includes(`'${pkg}'`);
}

/** Loads native TensorFlow if installed; null when neither package is present. Throws if one is present but broken. */
async function tryNative(): Promise<SelectedBackend | null> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // A variable specifier: these packages are optional and absent from package.json on purpose.
      const specifier: string = pkg;
      await import(specifier);
    } catch (err) {
      if (isAbsent(err, pkg)) continue;
      throw new TinynetError(
        'train.backend_load_failed',
        `${pkg} is installed but failed to load: ${(err as Error).message}`,
        pkg.endsWith('-gpu')
          ? 'Check the CUDA/cuDNN versions it needs, or uninstall it to fall back to @tensorflow/tfjs-node or wasm.'
          : 'Reinstall it (`npm rebuild @tensorflow/tfjs-node`) or uninstall it to fall back to wasm.',
      );
    }
    await tf.setBackend('tensorflow');
    await tf.ready();
    const gpu = pkg.endsWith('-gpu');
    return { name: 'tensorflow', threads: 0, device: gpu ? `GPU (CUDA, via ${pkg})` : `CPU (native TensorFlow, via ${pkg})` };
  }
  return null;
}

let wasmPrepared: { threads: number; fellBack: boolean } | null = null;

async function useWasm(requestedThreads: number): Promise<SelectedBackend> {
  // Importing the package registers the backend and its stock kernels.
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  if (wasmPrepared == null) {
    const threads = requestedThreads > 0 ? requestedThreads : os.availableParallelism();
    wasmPrepared = { threads, fellBack: false };
    const state = wasmPrepared;
    if (threads > 1) {
      useThreadedWasm(threads, (err) => {
        state.fellBack = true;
        state.threads = 1;
        log.warn(`wasm threads unavailable (${(err as Error).message}); running single-threaded`);
      });
    } else {
      const { setThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
      setThreadsCount(1);
    }
  } else if (requestedThreads > 0 && requestedThreads !== wasmPrepared.threads) {
    log.warn(`wasm backend already initialized with ${wasmPrepared.threads} thread(s); ignoring threads=${requestedThreads}`);
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new TinynetError('train.backend_init_failed', 'The wasm backend failed to initialize.', 'Use --backend cpu, or check the Node version (>= 20).');
  }
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const threads = getThreadsCount();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { name: 'wasm', threads, device: `CPU (WebAssembly${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'})` };
}

/** onnxruntime-node for the steps (CUDA when its build is installed), tfjs wasm for the rest. */
async function useOnnxRuntime(requestedThreads: number): Promise<SelectedBackend & { why: string }> {
  await import('onnxruntime-node');
  const threads = trainThreads(requestedThreads);
  const noCuda = cudaUnavailable();
  const provider: TrainProvider = noCuda ? 'cpu' : 'cuda';
  // One wasm thread when this call starts wasm; a pool already started stays as it is.
  const data = await useWasm(wasmPrepared ? 0 : 1).catch(() => useCpu());
  return {
    name: 'onnxruntime',
    threads,
    device:
      provider === 'cuda'
        ? 'GPU (onnxruntime-node CUDA provider, CPU fallback)'
        : `CPU (onnxruntime-node native kernels, ${threads} thread${threads === 1 ? '' : 's'})`,
    onnxruntime: { provider, threads },
    why: `${noCuda ? `CUDA provider not used: ${noCuda}` : 'CUDA provider library installed'}; data ops on tfjs ${data.name}`,
  };
}

async function useCpu(): Promise<SelectedBackend> {
  await tf.setBackend('cpu');
  return { name: 'cpu', threads: 1, device: 'CPU (pure JavaScript)' };
}

export async function selectBackend(kind: BackendKind, opts: { threads?: number } = {}): Promise<SelectedBackend> {
  const threads = opts.threads ?? 0;
  let selected: SelectedBackend;
  switch (kind) {
    case 'tensorflow': {
      const native = await tryNative();
      if (native == null) {
        throw new TinynetError(
          'train.backend_missing',
          'The `tensorflow` backend needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu, and neither is installed.',
          INSTALL_HINT,
        );
      }
      selected = native;
      break;
    }
    case 'onnxruntime':
      selected = await useOnnxRuntime(threads);
      break;
    case 'wasm':
      selected = await useWasm(threads);
      break;
    case 'cpu':
      selected = await useCpu();
      break;
    case 'auto': {
      selected =
        (await tryNative()) ??
        (await useOnnxRuntime(threads).catch((err: unknown) => {
          log.warn(`onnxruntime engine unavailable (${(err as Error).message}); falling back to wasm`);
          return null;
        })) ??
        (await useWasm(threads).catch((err: unknown) => {
          log.warn(`wasm backend unavailable (${(err as Error).message}); falling back to the slow cpu backend`);
          return useCpu();
        }));
      break;
    }
    default:
      throw new TinynetError('train.bad_backend', `Unknown backend "${String(kind)}".`, 'Use one of: auto, tensorflow, onnxruntime, wasm, cpu.');
  }
  const heap = selected.onnxruntime ? null : wasmHeapBytes();
  const why = 'why' in selected ? ` · ${String(selected.why)}` : '';
  log.info(
    `backend ${selected.name}` +
      (selected.onnxruntime ? ` · provider ${selected.onnxruntime.provider}` : '') +
      ` · threads ${selected.threads} · device ${selected.device}` +
      (heap != null ? ` · wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB` : '') +
      why,
  );
  const { why: _why, ...plain } = selected as SelectedBackend & { why?: string };
  active = plain;
  return plain;
}

let active: SelectedBackend | null = null;

/** The engine the last selectBackend chose (process-wide, as tfjs's own backend is); null before any. */
export function activeBackend(): SelectedBackend | null {
  return active;
}

/**
 * Bytes of the wasm heap now (it only grows: this is the high-water mark of the run), or null when
 * the active backend is not wasm. wasm32 stops at 4 GiB; log it to see how close a batch size gets.
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: { wasmMemory?: { buffer: ArrayBufferLike }; HEAPU8?: Uint8Array } }).wasm;
  const buffer = wasm?.wasmMemory?.buffer ?? wasm?.HEAPU8?.buffer;
  return buffer?.byteLength ?? null;
}
