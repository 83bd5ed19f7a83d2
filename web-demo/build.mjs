#!/usr/bin/env node
// Build the browser demo into a folder any static host can serve:
//   node web-demo/build.mjs [--out dist/web-demo] [--model-url model.onnx] [--model path/to/model.onnx]
//                           [--classify-url https://host/v1/classify] [--samples web-demo/samples | <prepared dataset dir>]
// Type-checking is `tsc -p web-demo/tsconfig.json` (npm run build:web runs both).
// The page reads config.json (written here) and accepts ?model=URL to point at another model.
// onnxruntime-web's .mjs/.wasm files are copied from node_modules into ort/ (never a CDN).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const require = createRequire(import.meta.url);

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(root, 'dist', 'web-demo') },
    'model-url': { type: 'string', default: 'model.onnx' },
    model: { type: 'string' },
    'classify-url': { type: 'string' },
    samples: { type: 'string', default: path.join(here, 'samples') },
  },
});

/** The ort runtime files the two page builds load: plain wasm, and the WebGPU (asyncify) one. */
export const ORT_FILES = [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
];
const IMAGE_EXT = /\.(png|jpe?g|webp|gif)$/i;

/**
 * Ship a handful of sample images: a folder's images, or (a folder holding meta.json) a few val
 * images of a prepared dataset, read through the server's own sample reader in dist/.
 */
async function copySamples(dir, outDir) {
  if (!dir || !existsSync(dir)) return null;
  const index = [];
  mkdirSync(outDir);
  if (existsSync(path.join(dir, 'meta.json'))) {
    const reader = path.join(root, 'dist', 'serve', 'routes', 'demo-samples.js');
    if (!existsSync(reader)) fail('reading samples from a prepared dataset needs the TypeScript build first (npm run build)');
    const { datasetSamples } = await import(pathToFileURL(reader).href);
    const source = datasetSamples(dir, { count: 8 });
    for (const s of await source.list()) {
      writeFileSync(path.join(outDir, s.name), (await source.read(s.name)).bytes);
      index.push({ name: s.name, label: s.label, url: encodeURIComponent(s.name) });
    }
  } else {
    for (const f of readdirSync(dir)
      .filter((f) => IMAGE_EXT.test(f))
      .sort()) {
      copyFileSync(path.join(dir, f), path.join(outDir, f));
      index.push({ name: f, url: encodeURIComponent(f) });
    }
  }
  if (index.length === 0) {
    rmSync(outDir, { recursive: true });
    return null;
  }
  writeFileSync(path.join(outDir, 'index.json'), JSON.stringify(index, null, 2));
  return 'samples/index.json';
}

function fail(message) {
  console.error(`web-demo build: ${message}`);
  process.exit(2);
}

const out = path.resolve(opts.out);
const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

try {
  await build({
    entryPoints: [path.join(here, 'src', 'main.ts')],
    outdir: tmp,
    bundle: true,
    splitting: true, // each backend's ort build is its own chunk, loaded on demand
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    chunkNames: 'chunks/[name]-[hash]',
    // The ort builds that load their .mjs/.wasm from env.wasm.wasmPaths instead of inlining them.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    logLevel: 'warning',
  });
  copyFileSync(path.join(here, 'src', 'index.html'), path.join(tmp, 'index.html'));
  copyFileSync(path.join(here, 'src', 'styles.css'), path.join(tmp, 'styles.css'));

  const ortDist = path.dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  mkdirSync(path.join(tmp, 'ort'));
  for (const f of ORT_FILES) copyFileSync(path.join(ortDist, f), path.join(tmp, 'ort', f));

  const samplesUrl = await copySamples(opts.samples, path.join(tmp, 'samples'));

  if (opts.model) {
    if (!existsSync(opts.model)) fail(`--model ${opts.model} does not exist`);
    cpSync(opts.model, path.join(tmp, 'model.onnx'));
  }

  const config = { modelUrl: opts['model-url'], classifyUrl: opts['classify-url'] ?? null, samplesUrl, wasmBase: 'ort/' };
  writeFileSync(path.join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  // Netlify / Cloudflare Pages style headers: cross-origin isolation lets ort use wasm threads.
  writeFileSync(path.join(tmp, '_headers'), '/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n');

  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.dirname(out), { recursive: true });
  renameSync(tmp, out);
  console.error(`web-demo build: ${path.relative(process.cwd(), out) || '.'} (model URL: ${config.modelUrl})`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  throw err;
}
