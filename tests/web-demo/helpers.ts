import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../core/rng.js';
import { PACKAGE_ROOT } from '../../core/paths.js';

/** Debian's Chromium (apt-get install chromium); the tests never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Listen on 127.0.0.1, port 0; resolves to the base URL and a close function. */
export async function listen(app: Hono): Promise<{ url: string; close: () => Promise<void> }> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Test images already at the model's input size, so neither the page (canvas) nor the server
 * (sharp) resamples them: both must then see identical pixels. Smooth colour fields plus noise,
 * different per seed, so the model's answers differ between images.
 */
export async function writeTestImages(dir: string, count: number, size = 64): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let k = 0; k < count; k++) {
    const rng = new Rng(1000 + k);
    const base = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    const slope = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)];
    const px = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          const v = base[c] + slope[c] * (c === 1 ? y : x) + rng.normal() * 25;
          px[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
    const file = path.join(dir, `test-${k}.png`);
    await writeFile(
      file,
      await sharp(px, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer(),
    );
    files.push(file);
  }
  return files;
}

/** Git-ignored folder for test artifacts (screenshots). */
export async function artifactDir(): Promise<string> {
  const dir = path.join(PACKAGE_ROOT, 'test-results', 'web-demo');
  await mkdir(dir, { recursive: true });
  return dir;
}
