process.env.TINYNET_LOG ??= 'warn';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { demoRoutes } from '../../serve/routes/demo.js';
import { decodeImage } from '../../core/image/decode.js';
import { MIRROR_MEAN_ABS_TOLERANCE } from '../../core/image/resize-rule.js';
import { validateConfig } from '../../core/config/index.js';
import { startServer, type RunningServer } from '../../serve/server.js';
import { writeSmokeModel } from '../helpers/smoke-model.js';
import { artifactDir, chromiumMissing, launchChromium, writeTestImages } from './helpers.js';

const SIZE = 64;
const skip = chromiumMissing();

interface ServerTop {
  index: number;
  label: string;
  score: number;
}

describe('web demo in headless Chromium', { skip, timeout: 110_000 }, () => {
  let dir: string;
  let base: string;
  let server: RunningServer | undefined;
  let browser: Browser;
  let images: string[];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tinynet-web-'));
    const modelPath = path.join(dir, 'model.onnx');
    // The smoke config's network with random weights, through the real exporter (uint8 head + metadata).
    await writeSmokeModel(modelPath);
    images = await writeTestImages(path.join(dir, 'images'), 4, SIZE);
    // The real server (serve/server.ts: worker-thread sessions, batcher, sharp decode) with the demo mounted.
    const { config } = validateConfig({ serve: { port: 0, providers: ['cpu'], threads: 1 } });
    server = await startServer({ modelPath, config: config.serve, extraRoutes: demoRoutes({ modelPath, samplesDir: path.join(dir, 'images') }) });
    base = server.url;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openDemo(query = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    await page.goto(`${base}/${query}`);
    await page.waitForFunction(`document.body.dataset.state !== 'loading'`, undefined, { timeout: 60_000 });
    return page;
  }

  test('the page classifies uploaded images like POST /v1/classify does', async () => {
    const page = await openDemo();
    assert.equal(await page.evaluate(`document.body.dataset.state`), 'ready', await page.locator('#alert').innerText());
    // Cross-origin isolation (COOP/COEP) is what lets ort use more than one wasm thread.
    assert.equal(await page.evaluate(`crossOriginIsolated`), true);
    assert.match(await page.locator('#status').innerText(), /Backend: wasm · threads: \d+/);

    await page.setInputFiles('#file', images);
    await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"], .card[data-state="error"]').length === ${images.length}`, undefined, {
      timeout: 30_000,
    });

    for (const file of images) {
      const name = path.basename(file);
      const card = page.locator(`.card[data-name="${name}"]`);
      assert.equal(await card.getAttribute('data-state'), 'done', await card.innerText());
      const pageProbs = JSON.parse((await card.getAttribute('data-probabilities'))!) as number[];
      const res = await fetch(`${base}/v1/classify?topk=5`, { method: 'POST', body: await readFile(file), headers: { 'content-type': 'image/png' } });
      assert.equal(res.status, 200);
      const server = ((await res.json()) as { results: Array<{ predictions: ServerTop[] }> }).results[0].predictions;
      assert.equal(Number(await card.getAttribute('data-top1')), server[0].index, `top-1 of ${name}`);
      for (const s of server) {
        assert.ok(Math.abs(pageProbs[s.index] - s.score) < 1e-3, `${name} class ${s.index}: page ${pageProbs[s.index]} vs server ${s.score}`);
      }
      // The page shows class names from the model metadata, top-5 bars and the inference time.
      assert.equal(await card.locator('.bars li').count(), 5);
      assert.match(await card.innerText(), new RegExp(server[0].label));
      assert.match(await card.locator('.note').innerText(), /\d+(\.\d+)? ms/);
    }

    // The side-by-side comparison button asks the server from the page itself.
    const first = page.locator(`.card[data-name="${path.basename(images[0])}"]`);
    await first.getByRole('button', { name: 'Ask the server too' }).click();
    await first.locator('.agreement').waitFor();
    assert.equal(await first.locator('.agreement').getAttribute('data-same-top1'), 'true');
    assert.ok(Number(await first.locator('.agreement').getAttribute('data-max-diff')) < 1e-3);
    assert.equal(await first.locator('.bars').count(), 2);

    // Samples come from the server's listing and are classified on click.
    await page.locator('#samples button').first().click();
    await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"]').length === ${images.length + 1}`);

    const shot = path.join(await artifactDir(), 'classify.png');
    await page.screenshot({ path: shot, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(await artifactDir(), 'classify-phone.png'), fullPage: true });
    await page.close();
  });

  /** The pixels a card's canvas shows: the very context the page read the model input from. */
  async function cardPixels(page: Page, name: string): Promise<Uint8Array> {
    const rgba = (await page.evaluate(`(() => {
      const c = document.querySelector('.card[data-name="${name}"] canvas');
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    })()`)) as number[];
    const rgb = new Uint8Array((rgba.length / 4) * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.slice(i, i + 3), j);
    return rgb;
  }

  test("the page feeds the model the server's pixels: equal at the model size, within the stated tolerance when resized", async () => {
    // A 96×72 textured picture needs the center crop and a resize; the others are at the model size.
    const resizedFile = path.join(dir, 'resized.png');
    const raw = Buffer.alloc(96 * 72 * 3);
    for (let y = 0; y < 72; y++) for (let x = 0; x < 96; x++) raw.set([x * 2, y * 3, 200 - x - y + ((x * 7 + y * 13) % 32)], (y * 96 + x) * 3);
    await writeFile(
      resizedFile,
      await sharp(raw, { raw: { width: 96, height: 72, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const page = await openDemo();
    await page.setInputFiles('#file', [images[0], images[1], resizedFile]);
    await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"]').length === 3`, undefined, { timeout: 30_000 });
    for (const file of [images[0], images[1]]) {
      const server = await decodeImage(await readFile(file), { width: SIZE, height: SIZE });
      assert.deepEqual(
        Buffer.from(await cardPixels(page, path.basename(file))),
        Buffer.from(server.pixels),
        `${path.basename(file)}: page pixels differ from the server's`,
      );
    }
    const server = await decodeImage(await readFile(resizedFile), { width: SIZE, height: SIZE });
    const browser = await cardPixels(page, 'resized.png');
    let sum = 0;
    for (let i = 0; i < browser.length; i++) sum += Math.abs(browser[i] - server.pixels[i]);
    const mean = sum / browser.length;
    assert.ok(mean <= MIRROR_MEAN_ABS_TOLERANCE, `resized: mean |page − server| = ${mean.toFixed(3)} over ${MIRROR_MEAN_ABS_TOLERANCE}`);
    await page.close();
  });

  test('images can be dropped on the drop zone and pasted', async () => {
    const page = await openDemo();
    const b64 = (await readFile(images[1])).toString('base64');
    // Build a real File in the page and dispatch the events a drop and a paste deliver.
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob('${b64}'), (c) => c.charCodeAt(0));
      const transfer = (name) => { const dt = new DataTransfer(); dt.items.add(new File([bytes], name, { type: 'image/png' })); return dt; };
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer('dropped.png'), bubbles: true, cancelable: true }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer('pasted.png'), bubbles: true }));
    })()`);
    await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"]').length === 2`);
    const top1 = await page.locator('.card').evaluateAll((cards) => cards.map((c) => [c.getAttribute('data-name'), c.getAttribute('data-top1')]));
    assert.deepEqual(top1.map(([n]) => n).sort(), ['dropped.png', 'pasted.png']);
    assert.equal(top1[0][1], top1[1][1]);
    await page.close();
  });

  test('controls are labelled and reachable with the keyboard', async () => {
    const page = await openDemo();
    await page.getByLabel('Backend').waitFor();
    await page.getByLabel('Choose images…').waitFor();
    const focused: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(`document.activeElement.id || document.activeElement.textContent.trim()`));
    }
    // Backend select, then the file picker, then the first sample button.
    assert.deepEqual(focused.slice(0, 2), ['backend', 'file']);
    assert.match(focused[2], /test-0\.png/);
    await page.keyboard.press('Enter'); // classify the focused sample
    await page.waitForFunction(`document.querySelector('.card[data-state="done"]') !== null`);
    await page.close();
  });

  test('WebGPU is offered when the browser has navigator.gpu; a failing GPU falls back to wasm with a message', async () => {
    const page = await openDemo();
    const offered = await page.evaluate(`Array.from(document.querySelectorAll('#backend option')).map((o) => o.value)`);
    const hasGpu = await page.evaluate(`Boolean(navigator.gpu)`);
    assert.deepEqual(offered, hasGpu ? ['wasm', 'webgpu'] : ['wasm']);
    if (!hasGpu) return;
    await page.selectOption('#backend', 'webgpu');
    await page.waitForFunction(`document.body.dataset.state !== 'loading'`);
    assert.equal(await page.evaluate(`document.body.dataset.state`), 'ready');
    const backend = await page.evaluate(`document.body.dataset.backend`);
    if (backend === 'wasm') {
      // Headless Chromium with --disable-gpu: navigator.gpu exists, no adapter.
      assert.match(await page.locator('#alert').innerText(), /WebGPU .*no GPU adapter/);
      assert.equal(await page.locator('#backend').inputValue(), 'wasm');
    }
    assert.match(await page.locator('#status').innerText(), new RegExp(`Backend: ${backend}`));
    await page.close();
  });

  test('a file that is not an image gets a clear message', async () => {
    const page = await openDemo();
    await page.setInputFiles('#file', [
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello, not pixels') },
      { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('this is no PNG') },
    ]);
    await page.waitForFunction(`document.querySelectorAll('.card[data-state="error"]').length === 2`);
    const txt = page.locator('.card[data-name="notes.txt"]');
    assert.equal(await txt.getAttribute('data-error-code'), 'web_demo.not_an_image');
    assert.match(await txt.getByRole('alert').innerText(), /"notes.txt" is not an image \(its type is text\/plain\)\. Choose a JPEG, PNG, WebP or GIF file/);
    const broken = page.locator('.card[data-name="broken.png"]');
    assert.match(await broken.getByRole('alert').innerText(), /"broken.png" could not be read as an image/);
    await page.screenshot({ path: path.join(await artifactDir(), 'not-an-image.png'), fullPage: true });
    await page.close();
  });

  test('a model that cannot be loaded is reported, and the inputs stay disabled', async () => {
    const page = await openDemo('?model=missing.onnx');
    assert.equal(await page.evaluate(`document.body.dataset.state`), 'error');
    assert.match(await page.locator('#alert').innerText(), /Could not load the model from .*missing\.onnx \(HTTP 404\)/);
    assert.equal(await page.locator('#file').isDisabled(), true);
    await page.close();
  });
});
