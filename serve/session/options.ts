/** onnxruntime session options from the serve config: providers, threads, optimizations. */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { InferenceSession } from 'onnxruntime-node';

export type ProviderName = 'cuda' | 'cpu';

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

/**
 * The shared library a GPU provider needs, looked for beside onnxruntime-node's binding before the
 * attempt: asking onnxruntime for a provider whose library is absent makes it print a native error
 * dump that no log level silences. Returns why the provider cannot load, or null when it may.
 */
export function missingProviderLibrary(provider: ProviderName): string | null {
  if (provider === 'cpu') return null;
  const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const dir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  const lib = `libonnxruntime_providers_${provider}.so`;
  return existsSync(path.join(dir, lib)) ? null : `${lib} is not installed in ${dir}`;
}
