/** Messages between the session pool (HTTP thread) and its worker threads. */
import type { ProviderName } from '../../core/onnxruntime-providers.js';

export interface WorkerInit {
  modelPath: string;
  providers: ProviderName[];
  threads: number;
  warmup: { inputName: string; dtype: 'uint8' | 'float32'; dims: number[] } | null;
}

export type WorkerReady = { type: 'ready'; provider: ProviderName; fallbacks: string[]; inputNames: string[]; outputNames: string[] };
export type WorkerFailed = { type: 'failed'; message: string };

export interface RunRequest {
  type: 'run';
  id: number;
  inputName: string;
  dtype: 'uint8' | 'float32';
  dims: number[];
  data: Uint8Array | Float32Array;
  outputs: string[];
}

export type RunResult =
  | { type: 'result'; id: number; outputs: Record<string, { data: Float32Array; dims: number[] }>; inferMs: number }
  | { type: 'error'; id: number; message: string };
