import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packageFile } from '../../core/paths.js';

// Read from node_modules directly: onnxruntime-web's exports map does not expose package.json.
const versionOf = (pkg: string) => (JSON.parse(readFileSync(packageFile('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

test('onnxruntime-web and onnxruntime-node are pinned to one exact version, and that is what is installed', () => {
  const deps = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  // The page and the server must run the same runtime release, or "same model, same answer" drifts.
  assert.match(deps['onnxruntime-web'], /^\d+\.\d+\.\d+$/, 'exact pin, no range');
  assert.equal(deps['onnxruntime-web'], deps['onnxruntime-node']);
  assert.equal(versionOf('onnxruntime-web'), deps['onnxruntime-web']);
  assert.equal(versionOf('onnxruntime-node'), deps['onnxruntime-node']);
});
