process.env.TINYNET_LOG ??= 'warn';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { demoRoutes } from '../../serve/routes/demo.js';
import { packageFile } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import { buildTinyClassifier } from '../helpers/tiny-onnx-classifier.js';
import { writeTestImages } from './helpers.js';
import { chooseDemoSamples, datasetSamples } from '../../serve/routes/demo-samples.js';
import { prepareDataset, loadMeta, loadSplit } from '../../dataset/index.js';
import { tempDir, tinySyntheticConfig } from '../helpers/dataset-config.js';
import sharp from 'sharp';

describe('demoRoutes', () => {
  let dir: string;
  let modelPath: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tinynet-demo-routes-'));
    modelPath = path.join(dir, 'model.onnx');
    await writeFile(modelPath, buildTinyClassifier({ size: 32, numClasses: 4 }));
    await writeTestImages(path.join(dir, 'samples'), 3, 32);
    await writeFile(path.join(dir, 'samples', 'secret.txt'), 'not a sample');
    await writeFile(path.join(dir, 'outside.png'), 'not served');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('serves the page cross-origin isolated, the model, ort files and config', async () => {
    const app = demoRoutes({ modelPath, samplesDir: path.join(dir, 'samples') });
    const page = await app.request('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(await page.text(), /<title>tinynet/);

    const model = await app.request('/model.onnx');
    assert.equal(model.status, 200);
    assert.deepEqual(new Uint8Array(await model.arrayBuffer()), new Uint8Array(await readFile(modelPath)));

    const wasm = await app.request('/ort/ort-wasm-simd-threaded.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const loader = await app.request('/ort/ort-wasm-simd-threaded.mjs');
    assert.match(loader.headers.get('content-type') ?? '', /javascript/);

    assert.deepEqual(await (await app.request('/config.json')).json(), {
      modelUrl: 'model.onnx',
      classifyUrl: '/v1/classify',
      samplesUrl: 'samples/index.json',
      wasmBase: 'ort/',
    });
  });

  test('lists and serves only the sample images, nothing outside the folders', async () => {
    const app = demoRoutes({ modelPath, samplesDir: path.join(dir, 'samples'), maxSamples: 2 });
    const list = (await (await app.request('/samples/index.json')).json()) as Array<{ name: string; url: string }>;
    assert.deepEqual(list, [
      { name: 'test-0.png', url: 'test-0.png' },
      { name: 'test-1.png', url: 'test-1.png' },
    ]);
    const img = await app.request('/samples/test-2.png');
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/png');
    assert.equal((await app.request('/samples/secret.txt')).status, 404);
    assert.equal((await app.request('/samples/..%2Foutside.png')).status, 404);
    assert.equal((await app.request('/..%2F..%2Fpackage.json')).status, 404);
    const missing = await app.request('/nope.js');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'serve.not_found');
  });

  test('without samples or server the config says so', async () => {
    const app = demoRoutes({ modelPath, classifyUrl: null });
    assert.deepEqual(await (await app.request('/config.json')).json(), { modelUrl: 'model.onnx', classifyUrl: null, samplesUrl: null, wasmBase: 'ort/' });
    assert.deepEqual(await (await app.request('/samples/index.json')).json(), []);
  });

  test('a missing model or an unbuilt page is a clear error', () => {
    assert.throws(
      () => demoRoutes({ modelPath: path.join(dir, 'nope.onnx') }),
      (e: unknown) => e instanceof TinynetError && e.code === 'model.not_found',
    );
    assert.throws(
      () => demoRoutes({ modelPath, webDir: dir }),
      (e: unknown) => e instanceof TinynetError && e.code === 'demo.not_built' && /npm run build:web/.test(e.hint ?? ''),
    );
  });

  test('`tinynet serve` mounts the demo next to the API', { timeout: 30_000 }, async () => {
    const child = spawn(
      process.execPath,
      [
        packageFile('dist', 'cli', 'main.js'),
        'serve',
        '--model',
        modelPath,
        '--samples',
        path.join(dir, 'samples'),
        '--port',
        '0',
        '--threads',
        '1',
        '--providers',
        'cpu',
      ],
      {
        env: { ...process.env, TINYNET_LOG: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`tinynet serve exited with ${code}`)));
      });
      const { listening } = JSON.parse(line) as { listening: string };
      const page = await fetch(`${listening}/`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
      const model = await fetch(`${listening}/model.onnx`);
      assert.equal((await model.arrayBuffer()).byteLength, (await readFile(modelPath)).byteLength);
      const samples = (await (await fetch(`${listening}/samples/index.json`)).json()) as unknown[];
      assert.equal(samples.length, 3);
      // The API still answers (the demo is mounted after it).
      const live = await fetch(`${listening}/v2/health/live`);
      assert.equal(live.status, 200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

describe('datasetSamples', () => {
  test('hands out a few val images of a prepared dataset as PNGs, with class names', async () => {
    const root = tempDir('demo-samples');
    const { dir } = await prepareDataset(tinySyntheticConfig(root));
    const source = datasetSamples(dir, { count: 4 });
    const list = await source.list();
    assert.equal(list.length, 4);
    const val = loadSplit(dir, 'val');
    const meta = loadMeta(dir);
    for (const item of list) {
      const index = Number(/^val-(\d+)\.png$/.exec(item.name)![1]);
      assert.equal(item.label, meta.classes[val.labels[index]].name);
      const png = await source.read(item.name);
      assert.equal(png!.type, 'image/png');
      const { data, info } = await sharp(png!.bytes).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [val.width, val.height, 3]);
      const size = val.width * val.height * 3;
      assert.deepEqual(new Uint8Array(data), val.images.subarray(index * size, (index + 1) * size));
    }
    assert.equal(await source.read('val-999.png'), null);

    // Through the demo routes, as the page sees them.
    const modelPath = path.join(root, 'model.onnx');
    await writeFile(modelPath, buildTinyClassifier({ size: 32, numClasses: 3 }));
    const app = demoRoutes({ modelPath, samples: source });
    const listed = (await (await app.request('/samples/index.json')).json()) as Array<{ name: string; label: string }>;
    assert.deepEqual(
      listed.map((s) => s.name),
      list.map((s) => s.name),
    );
    assert.equal((await app.request(`/samples/${listed[0].name}`)).headers.get('content-type'), 'image/png');

    // `tinynet serve --samples <dir>` takes a prepared dataset, or falls back to the config's one.
    assert.equal((await chooseDemoSamples(dir, undefined)!.list()).length, 8);
    assert.equal((await chooseDemoSamples(undefined, dir)!.list()).length, 8);
    assert.equal(chooseDemoSamples(undefined, path.join(root, 'nothing-here')), undefined);
    assert.throws(
      () => chooseDemoSamples(path.join(root, 'nope'), undefined),
      (e: unknown) => e instanceof TinynetError && e.code === 'demo.bad_samples',
    );
  });

  test('a folder without a prepared dataset is a clear error', () => {
    assert.throws(
      () => datasetSamples(tempDir('demo-samples-empty')),
      (e: unknown) => e instanceof TinynetError && e.code === 'dataset.cache_missing',
    );
  });
});
