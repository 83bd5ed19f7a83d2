/**
 * The project's npm settings: no dependency install script runs (so a CPU-only install downloads
 * nothing but packages; onnxruntime-node's would fetch its CUDA build), and npm reads every key of
 * `.npmrc` as one it knows, so `npm ci` prints no warning of the project's own making.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../../core/paths.js';

test('.npmrc turns install scripts off with keys npm knows (no "Unknown project config")', () => {
  // Without the npm_config_* variables `npm test` sets, so what is read is the file itself.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
  const npm = spawnSync('npm', ['config', 'get', 'ignore-scripts'], { cwd: PACKAGE_ROOT, encoding: 'utf8', env });
  assert.equal(npm.status, 0, npm.stderr);
  assert.equal(npm.stdout.trim(), 'true');
  assert.doesNotMatch(npm.stderr, /Unknown (project|env|user) config/);
});
