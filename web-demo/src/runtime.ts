import type * as Ort from 'onnxruntime-web';
import { DemoError, asDemoError } from './errors.js';
import type { ModelContract } from './model-meta.js';

export type Backend = 'wasm' | 'webgpu';

/** What the page tells the user about where inference runs. */
export interface RuntimeInfo {
  backend: Backend;
  threads: number;
  crossOriginIsolated: boolean;
  ortVersion: string;
}

export interface Prediction {
  /** Probabilities for every class, in label order. */
  probabilities: Float32Array;
  /** Wall time of session.run for this image, in milliseconds. */
  inferenceMs: number;
}

export function webgpuAvailable(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && Boolean((navigator as { gpu?: unknown }).gpu);
}

/** navigator.gpu can exist without any usable GPU (headless, blocklisted drivers): ask for an adapter. */
async function requireGpuAdapter(): Promise<void> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) throw new DemoError('web_demo.backend', 'This browser does not offer WebGPU.', 'Use the WebAssembly backend.');
  let adapter: unknown = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    /* same answer as no adapter */
  }
  if (!adapter) {
    throw new DemoError('web_demo.backend', 'WebGPU is present in this browser but no GPU adapter is available.', 'The page runs on WebAssembly instead.');
  }
}

/**
 * Each backend is its own ort build (the WebGPU one is larger), so load only the one asked for.
 * Their .mjs/.wasm files are served next to the page under `wasmBase` (copied from node_modules
 * at build time, never fetched from a CDN).
 */
async function loadOrt(backend: Backend): Promise<typeof Ort> {
  return backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
}

export class ModelRuntime {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly contract: ModelContract,
    readonly info: RuntimeInfo,
  ) {}

  static async create(modelBytes: Uint8Array, contract: ModelContract, backend: Backend, wasmBase: string): Promise<ModelRuntime> {
    if (backend === 'webgpu') await requireGpuAdapter();
    let ort: typeof Ort;
    try {
      ort = await loadOrt(backend);
    } catch (err) {
      throw asDemoError(
        err,
        'web_demo.backend',
        `Could not load the ${backend} runtime`,
        'Reload the page; if it persists, the runtime files are missing from the server.',
      );
    }
    ort.env.wasm.wasmPaths = wasmBase;
    // Threads need SharedArrayBuffer, which browsers only grant to cross-origin isolated pages
    // (the server's COOP/COEP headers); ort falls back to 1 thread otherwise.
    const isolated = globalThis.crossOriginIsolated === true;
    ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
    ort.env.logLevel = 'error';
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelBytes, {
        // Only the asked-for provider: ort would otherwise drop webgpu silently and run on wasm.
        executionProviders: [backend],
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw asDemoError(
        err,
        'web_demo.backend',
        `The ${backend} backend could not start the model`,
        backend === 'webgpu' ? 'Choose the WebAssembly backend.' : 'Try another browser, or check that the model file is complete.',
      );
    }
    const info: RuntimeInfo = {
      backend,
      threads: ort.env.wasm.numThreads ?? 1,
      crossOriginIsolated: isolated,
      ortVersion: ort.env.versions?.web ?? 'unknown',
    };
    return new ModelRuntime(ort, session, contract, info);
  }

  /** One image (height×width×3 RGB bytes) → probabilities. */
  async classify(pixels: Uint8Array): Promise<Prediction> {
    const { height, width, inputName, outputName } = this.contract;
    const input = new this.ort.Tensor('uint8', pixels, [1, height, width, 3]);
    const t0 = performance.now();
    let outputs: Ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.session.run({ [inputName]: input }, [outputName]);
    } catch (err) {
      throw asDemoError(
        err,
        'web_demo.backend',
        `The ${this.info.backend} backend failed while running the model`,
        'Reload the page or choose another backend.',
      );
    }
    const inferenceMs = performance.now() - t0;
    const out = outputs[outputName] as Ort.Tensor;
    const data = out.data as Float32Array;
    const labels = this.contract.labels;
    if (labels.length > 0 && data.length !== labels.length) {
      throw new DemoError(
        'web_demo.model_metadata',
        `The model returned ${data.length} scores but its metadata names ${labels.length} classes.`,
        'Re-export the model.',
      );
    }
    const probabilities = this.contract.outputIsLogits ? softmax(data) : Float32Array.from(data);
    out.dispose();
    return { probabilities, inferenceMs };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** For a model exported without its softmax output (the server applies the same). */
function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
