/**
 * The shared library a GPU provider of onnxruntime-node needs, looked for beside its binding before
 * the attempt: asking onnxruntime for a provider whose library is absent makes it print a native
 * error dump that no log level silences. Serving and training both check here first.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export type ProviderName = 'cuda' | 'cpu';

/** Why `provider` cannot load here (its library is not installed), or null when it may. */
export function missingProviderLibrary(provider: ProviderName): string | null {
  if (provider === 'cpu') return null;
  const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const dir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  const lib = `libonnxruntime_providers_${provider}.so`;
  return existsSync(path.join(dir, lib)) ? null : `${lib} is not installed in ${dir}`;
}
