/**
 * onnxruntime-node sessions for the training graphs: the CUDA provider when onnxruntime-node's CUDA
 * build is installed (its provider library present beside the binding), else CPU; and errors that
 * name the graph node onnxruntime failed on.
 */
import ort from 'onnxruntime-node';
import os from 'node:os';
import { TinynetError } from '../../core/errors.js';
import { missingProviderLibrary, type ProviderName } from '../../core/onnxruntime-providers.js';

export type TrainProvider = ProviderName;

/** Why the CUDA provider cannot load here, or null when its library is installed. */
export function cudaUnavailable(): string | null {
  const missing = missingProviderLibrary('cuda');
  return missing && `${missing} (install with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci)`;
}

export function trainThreads(requested: number): number {
  return requested > 0 ? requested : os.availableParallelism();
}

/** `profilePrefix`: write onnxruntime's per-node profile (Chrome trace JSON) to files starting with it. */
export function sessionOptions(provider: TrainProvider, threads: number, profilePrefix?: string): ort.InferenceSession.SessionOptions {
  return {
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    logSeverityLevel: provider === 'cpu' ? 2 : 3,
  };
}

/** The node named in an onnxruntime error message ("… node. Name:'s1b1_conv1/Conv' …"), if any. */
export function failingNode(message: string): string | null {
  const m = /Name:\s*'([^']+)'/.exec(message) ?? /node\s+'?([^\s']+)'?/i.exec(message);
  return m ? m[1] : null;
}

export function runtimeError(what: string, err: unknown): TinynetError {
  const message = (err as Error)?.message ?? String(err);
  const node = failingNode(message);
  return new TinynetError(
    'train.onnxruntime_failed',
    `onnxruntime failed ${what}${node ? ` at node "${node}"` : ''}: ${message.split('\n')[0]}`,
    'this is a bug in the training graph for this model: train it with --backend wasm meanwhile, and report the model config',
  );
}

export async function createSession(
  bytes: Uint8Array,
  provider: TrainProvider,
  threads: number,
  what: string,
  profilePrefix?: string,
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(provider, threads, profilePrefix));
  } catch (err) {
    throw runtimeError(`to load the ${what} graph`, err);
  }
}
