import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { packageFile } from '../../core/paths.js';

const CLI = packageFile('dist', 'cli', 'main.js');

/** The smoke config, shrunk so the whole pipeline runs in seconds; thresholds loosened to match. */
const REDUCED = [
  'dataset.synthetic.classes=4',
  'dataset.synthetic.per_class=30',
  'dataset.synthetic.val_per_class=8',
  'model.widths=[4,8,8]',
  'train.epochs=1',
  'train.max_steps_per_epoch=3',
  'train.batch_size=16',
  'sanity.overfit_size=16',
  'sanity.overfit_epochs=10',
  'sanity.overfit_threshold=1.2',
  'sanity.initial_loss_tolerance=0.5',
].flatMap((s) => ['--set', s]);

async function assertPng(file: string): Promise<void> {
  assert.ok(existsSync(file), `${file} exists`);
  const meta = await sharp(file).metadata();
  assert.equal(meta.format, 'png', `${file} is a PNG`);
  assert.ok((meta.width ?? 0) > 0 && (meta.height ?? 0) > 0);
}

test('tinynet demo --no-serve leaves every artifact it promises, one line per stage', { timeout: 240_000 }, async () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'tinynet-demo-'));
  const run = spawnSync(process.execPath, [CLI, 'demo', '--no-serve', ...REDUCED], { cwd, encoding: 'utf8', env: { ...process.env, TINYNET_LOG: 'warn' } });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  for (const stage of ['data', 'stats', 'baselines', 'sanity', 'train', 'export', 'evaluate', 'report']) {
    assert.equal(lines.filter((l) => l.startsWith(`✓ ${stage.padEnd(9)}`)).length, 1, `one line for ${stage}:\n${run.stdout}`);
  }
  assert.match(run.stdout, /demo finished/);

  const art = (...p: string[]) => path.join(cwd, 'artifacts', ...p);
  const cacheRoot = path.join(cwd, 'data', 'cache-smoke');
  const [cacheDir] = readdirSync(cacheRoot);
  const meta = JSON.parse(readFileSync(path.join(cacheRoot, cacheDir, 'meta.json'), 'utf8'));
  assert.equal(meta.num_classes, 4);
  for (const f of ['stats.json']) assert.ok(existsSync(path.join(cwd, 'runs', 'data-stats', f)));
  await assertPng(path.join(cwd, 'runs', 'data-stats', 'class-distribution.png'));
  await assertPng(path.join(cwd, 'runs', 'data-stats', 'augment-preview.png'));

  const baselines = JSON.parse(readFileSync(art('protocol', 'baselines.json'), 'utf8'));
  assert.equal(baselines.results.length, 4, 'majority and uniform-random on val and test');
  const sanity = JSON.parse(readFileSync(art('protocol', 'sanity.json'), 'utf8'));
  assert.equal(sanity.passed, true);

  for (const f of ['best.ckpt', 'last.ckpt', 'history.json']) assert.ok(existsSync(art(f)), f);
  assert.ok(
    readdirSync(path.join(cwd, 'runs', 'smoke')).some((f) => f.startsWith('events.out.tfevents')),
    'TensorBoard events',
  );

  assert.ok(readFileSync(art('model.onnx')).length > 1000);
  assert.match(run.stdout, /verified: max \|Δprob\| \d\.\de-?\d+, top-1 agreement 100\.0%/, 'a finite parity figure');

  const evaluation = JSON.parse(readFileSync(art('model.eval-test.json'), 'utf8'));
  assert.equal(evaluation.dataset.split, 'test');
  assert.equal(evaluation.dataset.count, meta.splits.test.size);
  assert.ok(evaluation.metrics.accuracy >= 0 && evaluation.metrics.accuracy <= 1);
  await assertPng(art('model.confusion-test.png'));

  const report = readFileSync(art('report', 'report.md'), 'utf8');
  for (const heading of ['D1', 'D11', 'M0', 'M3', 'M9']) assert.match(report, new RegExp(`#.*${heading}\\b`), `report section ${heading}`);
  assert.ok(readFileSync(art('report', 'report.html'), 'utf8').includes('data:image/png;base64,'), 'self-contained HTML');
});

test('tinynet demo then serves the API and the web demo, and stops cleanly on SIGTERM', { timeout: 240_000 }, async () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'tinynet-demo-serve-'));
  const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', ...REDUCED], {
    cwd,
    env: { ...process.env, TINYNET_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving" line in time:\n${stdout}\n${stderr}`)), 200_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`demo exited ${code} before serving:\n${stdout}\n${stderr}`)));
  });
  try {
    assert.match(stdout, /curl -s -H 'Content-Type: image\/png' --data-binary @.*\/v1\/classify\?topk=3'/);
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const samples = packageFile('web-demo', 'samples');
    const png = readFileSync(path.join(samples, readdirSync(samples).find((f) => f.endsWith('.png'))!));
    const res = await fetch(`${url}/v1/classify?topk=3`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { results: Array<{ top: unknown[] }> };
    assert.equal(JSON.stringify(body).includes('"score"'), true);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
