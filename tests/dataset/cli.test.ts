import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/dataset-config.js';

const run = promisify(execFile);
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/main.js');

async function tinynet(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, TINYNET_LOG: 'warn' } });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

test('tinynet data synth → prepare → stats → preview on a tiny synthetic dataset', async () => {
  const cwd = tempDir('cli');
  let r = await tinynet(cwd, 'data', 'synth', '--out', 'syn', '--classes', '3', '--per-class', '10', '--val-per-class', '2', '--size', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote 30 train \+ 6 val images of 3 classes/);
  writeFileSync(
    path.join(cwd, 'c.yaml'),
    'dataset:\n  source: hf-parquet\n  path: syn\n  image_size: 32\ntrain:\n  batch_size: 4\npaths:\n  cache: cache\n  runs: runs\n',
  );
  r = await tinynet(cwd, 'data', 'prepare', '--config', 'c.yaml');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^prepared .*\ntrain 27 · val 6 · test 3 images, 3 classes, input 32×32×3 \(center_crop\)/);
  r = await tinynet(cwd, 'data', 'prepare', '--config', 'c.yaml');
  assert.match(r.stdout, /^reused /);
  r = await tinynet(cwd, 'data', 'stats', '--config', 'c.yaml', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).splits.train.size, 27);
  assert.ok(existsSync(path.join(cwd, 'runs', 'data-stats', 'class-distribution.png')));
  r = await tinynet(cwd, 'data', 'preview', '--config', 'c.yaml', '--count', '3');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /train batch: x float32 \[4, 32, 32, 3\] \(N, H, W, C\), y int32 \[4\]; meta.input_shape \[32, 32, 3\] \(H, W, C\) agrees/);
  assert.ok(existsSync(path.join(cwd, 'runs', 'data-stats', 'augment-preview.png')));
});

test('bad input exits 2 with the problem named', async () => {
  const cwd = tempDir('clibad');
  writeFileSync(path.join(cwd, 'c.yaml'), 'dataset:\n  source: hf-parquet\n  path: nowhere\n');
  const r = await tinynet(cwd, 'data', 'prepare', '--config', 'c.yaml');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /dataset path not found: .*nowhere/);
  const s = await tinynet(cwd, 'data', 'synth', '--out', 'x', '--classes', '1');
  assert.equal(s.code, 2);
  assert.match(s.stderr, /--classes must be an integer ≥ 2/);
});
