/** onnxruntime session options from the serve config: providers, threads, optimizations. */
import os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import type { ProviderName } from '../../core/onnxruntime-providers.js';

export interface SessionSettings {
  modelPath: string;
  /** In order of preference; the first one that loads wins, the rest are fallbacks. */
  providers: ProviderName[];
  /** Intra-op threads per session; 0 = cores / workers. */
  threads: number;
  workers: number;
}

export function intraOpThreads(threads: number, workers: number): number {
  return threads > 0 ? threads : Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, workers)));
}

/** Options for one provider attempt; CPU is kept as the fallback for ops a GPU provider lacks. */
export function sessionOptions(provider: ProviderName, threads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    // A missing GPU provider is expected and reported once by the pool; keep onnxruntime's own red
    // error line out of the log for that attempt.
    logSeverityLevel: provider === 'cpu' ? 2 : 4,
  };
}
