import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { tempDir, testConfig, tinySyntheticConfig } from '../helpers/dataset-config.js';
import { writeHfDataset } from '../helpers/image-fixtures.js';
import type { HfRow } from '../../dataset/hf-parquet-writer.js';
import { prepareDataset, cacheDirFor, loadMeta, loadSplit } from '../../dataset/index.js';
import { TinynetError } from '../../core/errors.js';

test('synthetic → prepare: cache files, meta, splits with exact per-class counts', async () => {
  const root = tempDir('prep');
  const config = tinySyntheticConfig(root);
  const { dir, meta, reused } = await prepareDataset(config);
  assert.equal(reused, false);
  assert.equal(dir, cacheDirFor(config));
  assert.deepEqual(meta.input_shape, [32, 32, 3]);
  assert.equal(meta.num_classes, 3);
  assert.deepEqual(meta.per_class.test, [5, 5, 5]); // ceil(60 × 0.25) = 15, spread evenly
  assert.deepEqual(meta.per_class.train, [15, 15, 15]);
  assert.deepEqual(meta.per_class.val, [4, 4, 4]);
  assert.deepEqual([meta.splits.train.size, meta.splits.val.size, meta.splits.test.size], [45, 12, 15]);
  assert.equal(meta.split.seed, 42);
  assert.deepEqual(loadMeta(dir), meta);

  for (const split of ['train', 'val', 'test'] as const) {
    const s = loadSplit(dir, split);
    assert.equal(s.n, meta.splits[split].size);
    assert.equal(s.images.length, s.n * 32 * 32 * 3);
    assert.equal(s.labels.length, s.n);
    assert.equal(s.height, 32);
    for (const l of s.labels) assert.ok(l >= 0 && l < 3);
  }
  // Nothing but the cache dir itself in the cache root (no temp dirs left).
  assert.deepEqual(readdirSync(path.dirname(dir)), [path.basename(dir)]);
});

test('mean/std in meta equal a direct computation over the train split', async () => {
  const root = tempDir('meanstd');
  const config = tinySyntheticConfig(root);
  const { dir, meta } = await prepareDataset(config);
  const { images } = loadSplit(dir, 'train');
  for (let c = 0; c < 3; c++) {
    const vals: number[] = [];
    for (let i = c; i < images.length; i += 3) vals.push(images[i] / 255);
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const std = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    assert.ok(Math.abs(meta.mean[c] - mean) < 1e-9, `mean[${c}] ${meta.mean[c]} vs ${mean}`);
    assert.ok(Math.abs(meta.std[c] - std) < 1e-9, `std[${c}] ${meta.std[c]} vs ${std}`);
  }
});

test('a second prepare with the same source and config reuses the cache; a config change rebuilds', async () => {
  const root = tempDir('reuse');
  const config = tinySyntheticConfig(root);
  const first = await prepareDataset(config);
  const second = await prepareDataset(config);
  assert.equal(second.reused, true);
  assert.equal(second.meta.created_at, first.meta.created_at);
  const changed = tinySyntheticConfig(root, { split_seed: 5 });
  const third = await prepareDataset(changed);
  assert.equal(third.reused, false);
  assert.notEqual(third.dir, first.dir);
});

test('loadSplit/loadMeta on a missing cache name the prepare command', () => {
  const root = tempDir('nocache');
  const dir = cacheDirFor(tinySyntheticConfig(root));
  assert.equal(existsSync(dir), false);
  assert.throws(
    () => loadMeta(dir),
    (e: unknown) => e instanceof TinynetError && e.code === 'dataset.cache_missing' && /tinynet data prepare --config/.test(e.hint ?? ''),
  );
  assert.throws(
    () => loadSplit(dir, 'train'),
    (e: unknown) => e instanceof TinynetError && e.code === 'dataset.cache_missing',
  );
});

test('decoding in worker threads gives the same cache as the main thread', async () => {
  const root = tempDir('workers');
  const { readFileSync } = await import('node:fs');
  const files = ['train.images.u8', 'test.images.u8', 'val.images.u8', 'train.labels.i32'];
  const one = await prepareDataset(tinySyntheticConfig(root, { workers: 1 }));
  const first = files.map((f) => readFileSync(path.join(one.dir, f)));
  // The thread count does not change the content, so it is not part of the cache key: force a rebuild.
  const two = await prepareDataset(tinySyntheticConfig(root, { workers: 2 }), { force: true });
  assert.equal(two.dir, one.dir);
  assert.equal(two.reused, false);
  files.forEach((f, i) => {
    assert.deepEqual(readFileSync(path.join(two.dir, f)), first[i], f);
  });
  assert.deepEqual([two.meta.mean, two.meta.std, two.meta.grayscale], [one.meta.mean, one.meta.std, one.meta.grayscale]);
});

test('a cache built with the other resize rule is rebuilt, not reused; each rule keeps its own cache', async () => {
  const root = tempDir('resize');
  // Wide images (48×16) with a coloured left third: center_crop keeps only the middle, stretch all of it.
  const rows: HfRow[] = [];
  for (let i = 0; i < 8; i++) {
    const w = 48,
      h = 16;
    const rgb = Buffer.alloc(w * h * 3, 40 + i);
    for (let y = 0; y < h; y++) for (let x = 0; x < w / 3; x++) rgb[(y * w + x) * 3] = 250;
    rows.push({
      bytes: new Uint8Array(
        await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
          .png()
          .toBuffer(),
      ),
      path: `${i}.png`,
      label: i % 2,
    });
  }
  writeHfDataset(path.join(root, 'hf'), rows, rows.slice(0, 2), ['a', 'b']);
  const classes = path.join(root, 'classes.json');
  writeFileSync(
    classes,
    JSON.stringify([
      { id: 0, wnid: 'a', name: 'a' },
      { id: 1, wnid: 'b', name: 'b' },
    ]),
  );
  const dataset = { source: 'hf-parquet', path: path.join(root, 'hf'), classes, image_size: 8, test_ratio: 0.25 };
  const crop = await prepareDataset(testConfig(root, dataset));
  const stretch = await prepareDataset(testConfig(root, { ...dataset, resize: 'stretch' }));
  assert.equal(stretch.reused, false);
  assert.deepEqual([crop.meta.resize, stretch.meta.resize], ['center_crop', 'stretch']);
  // Top-left pixel: inside the red third only when the whole width is kept.
  assert.ok(loadSplit(crop.dir, 'val').images[0] < 100, 'center_crop drops the left third');
  assert.ok(loadSplit(stretch.dir, 'val').images[0] > 200, 'stretch keeps the left third');
  const again = await prepareDataset(testConfig(root, dataset));
  assert.equal(again.reused, true);
  assert.equal(again.dir, crop.dir);
});
