import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig, type Config } from '../../core/config/index.js';

process.env.TINYNET_LOG = process.env.TINYNET_LOG ?? 'warn';

/** A fresh temp dir removed when the process exits. */
export function tempDir(tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tinynet-${tag}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A validated config with the given dataset keys and a cache under `root`. */
export function testConfig(root: string, dataset: Record<string, unknown>, extra: Record<string, unknown> = {}): Config {
  return validateConfig({ dataset, paths: { cache: path.join(root, 'cache') }, ...extra }).config;
}

/** A tiny synthetic config: 3 classes, 20 train + 4 val images each. */
export function tinySyntheticConfig(root: string, overrides: Record<string, unknown> = {}): Config {
  return testConfig(root, {
    source: 'synthetic',
    path: path.join(root, 'syn'),
    image_size: 32,
    test_ratio: 0.25,
    synthetic: { classes: 3, per_class: 20, val_per_class: 4, seed: 3 },
    ...overrides,
  });
}
