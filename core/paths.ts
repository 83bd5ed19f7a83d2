import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readFileSync } from 'node:fs';

/** The package root (where package.json lives), whether running from dist/ or the source tree. */
export const PACKAGE_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'tinynet') return dir;
    } catch {
      /* keep walking up */
    }
    dir = path.dirname(dir);
  }
  throw new Error(`tinynet: cannot find the package root from ${fileURLToPath(import.meta.url)}`);
})();

export const TINYNET_VERSION: string = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;

/** Files shipped with the package (class lists, configs), by path relative to the package root. */
export function packageFile(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}

/** The built-in Tiny ImageNet class list (id, wnid, hf_label, name), in HF label order. */
export const TINY_IMAGENET_CLASSES = packageFile('dataset', 'classes', 'tiny-imagenet-classes.json');

/** Resolve a user-given path against the working directory, as the CLI promises. */
export function resolveUserPath(p: string, cwd = process.cwd()): string {
  return path.isAbsolute(p) ? p : path.resolve(cwd, p);
}
