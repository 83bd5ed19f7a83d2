process.env.TINYNET_LOG ??= 'warn';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Browser } from 'playwright-core';
import { packageFile } from '../../core/paths.js';
import { buildTinyClassifier } from '../helpers/tiny-onnx-classifier.js';
import { chromiumMissing, launchChromium, listen, writeTestImages } from './helpers.js';

const run = promisify(execFile);

/** `npm run build:web` output served by a plain static file server, as any static host would. */
describe('static build of the web demo', { timeout: 90_000 }, () => {
  let dir: string;
  let out: string;
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tinynet-web-static-'));
    out = path.join(dir, 'site');
    await writeFile(path.join(dir, 'tiny.onnx'), buildTinyClassifier({ size: 32, numClasses: 7, seed: 5 }));
    await writeTestImages(path.join(dir, 'samples'), 2, 32);
    await writeFile(path.join(dir, 'samples', 'README.txt'), 'not an image, not shipped');
    // A model URL in a sub-folder proves the URL is configurable, not fixed to model.onnx.
    await run(process.execPath, [
      packageFile('web-demo', 'build.mjs'),
      '--out',
      out,
      '--model-url',
      'models/tiny.onnx',
      '--samples',
      path.join(dir, 'samples'),
    ]);
    await mkdir(path.join(out, 'models'));
    await writeFile(path.join(out, 'models', 'tiny.onnx'), await readFile(path.join(dir, 'tiny.onnx')));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the folder holds the page, the bundle, ort runtime files, samples and config', async () => {
    for (const f of [
      'index.html',
      'main.js',
      'styles.css',
      'config.json',
      '_headers',
      'ort/ort-wasm-simd-threaded.wasm',
      'ort/ort-wasm-simd-threaded.mjs',
      'ort/ort-wasm-simd-threaded.asyncify.wasm',
      'samples/test-0.png',
    ]) {
      assert.ok(existsSync(path.join(out, f)), `missing ${f}`);
    }
    assert.ok(!existsSync(path.join(out, 'samples', 'README.txt')));
    const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config, { modelUrl: 'models/tiny.onnx', classifyUrl: null, samplesUrl: 'samples/index.json', wasmBase: 'ort/' });
    const samples = JSON.parse(await readFile(path.join(out, 'samples', 'index.json'), 'utf8'));
    assert.deepEqual(
      samples.map((s: { name: string }) => s.name),
      ['test-0.png', 'test-1.png'],
    );
    // No CDN: nothing in the bundle points at one.
    const bundle = await readFile(path.join(out, 'main.js'), 'utf8');
    assert.doesNotMatch(bundle, /cdn\.jsdelivr|unpkg\.com/);
  });

  test('a plain static host (no COOP/COEP) runs it on one wasm thread and says so', { skip: chromiumMissing() }, async () => {
    const app = new Hono();
    app.use('*', serveStatic({ root: out }));
    server = await listen(app);
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(`document.body.dataset.state !== 'loading'`, undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(`document.body.dataset.state`), 'ready', await page.locator('#alert').innerText());
    const status = await page.locator('#status').innerText();
    assert.match(status, /threads: 1 \(page not cross-origin isolated, so one thread\)/);
    assert.match(status, /7 classes, 32×32 input/);
    // No server: no comparison button; the shipped samples work.
    await page.locator('#samples button', { hasText: 'test-1.png' }).click();
    await page.waitForFunction(`document.querySelector('.card[data-state="done"]') !== null`);
    assert.equal(await page.locator('.card .compare').count(), 0);
    assert.equal(await page.locator('.card .bars li').count(), 5);
    await page.close();
  });
});
