process.env.TINYNET_LOG ??= 'warn';
/**
 * The browser demo (onnxruntime-web, wasm) on int8 (QDQ) and float16 exports, with no other
 * setting: the page loads each file, shows its precision, and classifies like the server running
 * the same file (both integer or float16 kernels, so a looser bound than the float demo test).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { demoRoutes } from '../../serve/routes/demo.js';
import { validateConfig } from '../../core/config/index.js';
import { startServer, type RunningServer } from '../../serve/server.js';
import { writeSmokeVariant } from '../helpers/smoke-model.js';
import { chromiumMissing, launchChromium, writeTestImages } from './helpers.js';

const SIZE = 64;
const skip = chromiumMissing();

describe('web demo on reduced-precision models', { skip, timeout: 110_000 }, () => {
  let dir: string;
  let browser: Browser;
  let images: string[];
  const servers: RunningServer[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tinynet-web-precision-'));
    images = await writeTestImages(path.join(dir, 'images'), 3, SIZE);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const precision of ['int8', 'fp16'] as const) {
    test(`a ${precision} model runs in the page and agrees with the server`, async () => {
      const modelPath = path.join(dir, `model.${precision}.onnx`);
      await writeSmokeVariant(modelPath, precision);
      const { config } = validateConfig({ serve: { port: 0, providers: ['cpu'], threads: 1 } });
      const server = await startServer({ modelPath, config: config.serve, extraRoutes: demoRoutes({ modelPath, samplesDir: path.join(dir, 'images') }) });
      servers.push(server);
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      await page.waitForFunction(`document.body.dataset.state !== 'loading'`, undefined, { timeout: 60_000 });
      assert.equal(await page.evaluate(`document.body.dataset.state`), 'ready', await page.locator('#alert').innerText());
      assert.equal(await page.evaluate(`document.body.dataset.precision`), precision);
      assert.match(await page.locator('#status').innerText(), new RegExp(`Backend: wasm .*, ${precision} · ready`));

      await page.setInputFiles('#file', images);
      await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"], .card[data-state="error"]').length === ${images.length}`, undefined, {
        timeout: 30_000,
      });
      for (const file of images) {
        const card = page.locator(`.card[data-name="${path.basename(file)}"]`);
        assert.equal(await card.getAttribute('data-state'), 'done', await card.innerText());
        const pageProbs = JSON.parse((await card.getAttribute('data-probabilities'))!) as number[];
        const res = await fetch(`${server.url}/v1/classify?topk=3`, { method: 'POST', body: await readFile(file), headers: { 'content-type': 'image/png' } });
        const top = ((await res.json()) as { results: Array<{ predictions: Array<{ index: number; score: number }> }> }).results[0].predictions;
        assert.equal(Number(await card.getAttribute('data-top1')), top[0].index, `top-1 of ${file}`);
        for (const s of top)
          assert.ok(Math.abs(pageProbs[s.index] - s.score) < 2e-2, `${precision} class ${s.index}: page ${pageProbs[s.index]} vs server ${s.score}`);
      }
      await page.close();
    });
  }
});
