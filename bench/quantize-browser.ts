/**
 * Per-image inference time of one ONNX file in the browser demo (headless Chromium,
 * onnxruntime-web wasm, batch 1), as the page itself times session.run.
 */
import { Hono } from 'hono';
import { demoRoutes } from '../serve/routes/demo.js';
import { launchChromium, listen } from '../tests/web-demo/helpers.js';
import { median } from './export.js';

export interface BrowserTiming {
  perImageMs: number;
  threads: string;
}

export async function browserPerImage(modelFile: string, images: string[], warmup: number): Promise<BrowserTiming> {
  const app = new Hono();
  app.route('/', demoRoutes({ modelPath: modelFile }));
  const server = await listen(app);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?backend=wasm`);
    await page.waitForFunction(`document.body.dataset.state !== 'loading'`, undefined, { timeout: 120_000 });
    if ((await page.evaluate(`document.body.dataset.state`)) !== 'ready')
      throw new Error(`the page did not load ${modelFile}: ${await page.locator('#alert').innerText()}`);
    await page.setInputFiles('#file', images);
    await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"]').length === ${images.length}`, undefined, { timeout: 300_000 });
    const ms = await page.locator('.card[data-state="done"]').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-inference-ms'))));
    // Cards are newest first: the oldest `warmup` ones are dropped.
    return { perImageMs: median(ms.reverse().slice(warmup)), threads: String(await page.evaluate(`document.body.dataset.threads`)) };
  } finally {
    await browser.close();
    await server.close();
  }
}
