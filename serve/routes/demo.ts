import { Hono, type Context } from 'hono';
import { getMimeType } from 'hono/utils/mime';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TinynetError } from '../../core/errors.js';
import { packageFile } from '../../core/paths.js';

/** A few images the page offers as one-click samples (e.g. val images of the prepared dataset). */
export interface SampleSource {
  list(): Promise<Array<{ name: string; label?: string }>>;
  /** Encoded image bytes (PNG/JPEG…) and their MIME type; null when there is no such sample. */
  read(name: string): Promise<{ bytes: Uint8Array; type: string } | null>;
}

export interface DemoRouteOptions {
  /** The model.onnx the page downloads and runs (the same file the server runs). */
  modelPath: string;
  /** A folder of image files offered as samples (its first `maxSamples` images, by name). */
  samplesDir?: string;
  /** Or any other source of samples; wins over samplesDir. */
  samples?: SampleSource;
  maxSamples?: number;
  /** The built page (npm run build:web); defaults to the package's dist/web-demo. */
  webDir?: string;
  /** Where the page asks for the server's answer; null hides the comparison. */
  classifyUrl?: string | null;
}

/** Browsers give SharedArrayBuffer (hence wasm threads) only to cross-origin isolated pages. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const IMAGE_EXT = /\.(png|jpe?g|webp|gif)$/i;

/** The browser demo: page, bundle, ort runtime files, the model, its config and sample images. */
export function demoRoutes(opts: DemoRouteOptions): Hono {
  const webDir = path.resolve(opts.webDir ?? packageFile('dist', 'web-demo'));
  if (!existsSync(path.join(webDir, 'index.html'))) {
    throw new TinynetError(
      'demo.not_built',
      `The web demo is not built (no ${path.join(webDir, 'index.html')}).`,
      'Run `npm run build:web` (npm ci does it too).',
    );
  }
  const modelPath = path.resolve(opts.modelPath);
  if (!existsSync(modelPath) || !statSync(modelPath).isFile()) {
    throw new TinynetError('model.not_found', `No model file at ${modelPath}.`, 'Export one with `tinynet export`, or pass the right path.');
  }
  const samples = opts.samples ?? (opts.samplesDir ? folderSamples(path.resolve(opts.samplesDir)) : undefined);
  const maxSamples = opts.maxSamples ?? 12;
  const classifyUrl = opts.classifyUrl === undefined ? '/v1/classify' : opts.classifyUrl;

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) c.res.headers.set(k, v);
  });

  app.get('/', (c) => sendFile(c, path.join(webDir, 'index.html'), 'no-cache'));
  app.get('/config.json', (c) => c.json({ modelUrl: 'model.onnx', classifyUrl, samplesUrl: samples ? 'samples/index.json' : null, wasmBase: 'ort/' }));
  app.get('/model.onnx', (c) => sendFile(c, modelPath, 'no-cache'));
  app.get('/samples/index.json', async (c) => {
    if (!samples) return c.json([]);
    const list = (await samples.list()).slice(0, maxSamples);
    return c.json(list.map((s) => ({ ...s, url: encodeURIComponent(s.name) })));
  });
  app.get('/samples/:name', async (c) => {
    const found = samples ? await samples.read(c.req.param('name')) : null;
    if (!found) return c.json({ error: { code: 'demo.sample_not_found', message: `No sample named "${c.req.param('name')}".` } }, 404);
    return c.body(found.bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': found.type });
  });
  // Bundle, chunks, styles and ort's .mjs/.wasm: only files inside webDir, by exact relative path.
  app.get('/*', async (c) => {
    const rel = decodeURIComponent(new URL(c.req.url).pathname).replace(/^\/+/, '');
    const file = path.resolve(webDir, rel);
    if (!file.startsWith(webDir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      return c.json({ error: { code: 'serve.not_found', message: `No such file: /${rel}` } }, 404);
    }
    // ort files and hashed chunks never change for a given build; the page shell may.
    const immutable = rel.startsWith('ort/') || rel.startsWith('chunks/');
    return sendFile(c, file, immutable ? 'public, max-age=86400' : 'no-cache');
  });
  return app;
}

async function sendFile(c: Context, file: string, cacheControl: string): Promise<Response> {
  const bytes = await readFile(file);
  const type = getMimeType(file) ?? (file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
  return c.body(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': type,
    'Cache-Control': cacheControl,
  });
}

/** Image files of one folder, by name; names are matched against the listing (no path tricks). */
export function folderSamples(dir: string): SampleSource {
  const listNames = async () => (await readdir(dir)).filter((f) => IMAGE_EXT.test(f)).sort();
  return {
    list: async () => (await listNames()).map((name) => ({ name })),
    read: async (name) => {
      if (!(await listNames()).includes(name)) return null;
      const bytes = await readFile(path.join(dir, name));
      return { bytes: new Uint8Array(bytes), type: getMimeType(name) ?? 'application/octet-stream' };
    },
  };
}
