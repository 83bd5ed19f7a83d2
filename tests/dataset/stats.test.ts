import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { tempDir, tinySyntheticConfig } from '../helpers/dataset-config.js';
import { prepareDataset, loadSplit, type DatasetMeta } from '../../dataset/index.js';
import { computeStats, writeStats, formatStats } from '../../dataset/stats.js';
import { renderPreview } from '../../dataset/preview.js';
import { renderChart } from '../../core/charts.js';
import { Rng } from '../../core/rng.js';
import { validateConfig } from '../../core/config/index.js';

test('stats: split sizes, per-class balance and imbalance of an unbalanced split', () => {
  const meta = {
    source: { kind: 'hf-parquet', path: '/x', fingerprint: 'f', classes_file: 'c' },
    input_shape: [64, 64, 3],
    num_classes: 3,
    classes: [0, 1, 2].map((id) => ({ id, wnid: `w${id}`, name: `n${id}` })),
    splits: { train: { size: 60 }, val: { size: 9 }, test: { size: 6 } },
    per_class: { train: [10, 20, 30], val: [3, 3, 3], test: [1, 2, 3] },
    grayscale: { train: 2, val: 1, test: 0, total: 3 },
    image_sizes: { train: { '64x64': 59, '80x60': 1 }, val: { '64x64': 9 }, test: { '64x64': 6 } },
    mean: [0.5, 0.4, 0.3],
    std: [0.2, 0.2, 0.2],
    split: { strategy: 'stratified', test_ratio: 0.1, seed: 42, test_from: 'train', val_from: 'val' },
  } as unknown as DatasetMeta;
  const s = computeStats(meta);
  assert.equal(s.splits.train.imbalance_ratio, 3);
  assert.equal(s.splits.val.imbalance_ratio, 1);
  assert.deepEqual(s.splits.train.per_class, { min: 10, max: 30, mean: 20, std: Math.sqrt(200 / 3) });
  assert.equal(s.grayscale_total, 3);
  assert.equal(s.grayscale_fraction, 3 / 75);
  assert.deepEqual(s.per_class[2], { id: 2, wnid: 'w2', name: 'n2', train: 30, val: 3, test: 3 });
  assert.match(formatStats(s), /train\s+60\s+3\s+10\/20\.0\/30\s+3\.000/);
  assert.match(formatStats(s), /80x60:1/);
});

test('renderChart writes a PNG whose text is drawn (a title changes the pixels)', async () => {
  const dir = tempDir('chart');
  const base = {
    width: 200,
    height: 100,
    data: {
      values: [
        { a: 'x', b: 1 },
        { a: 'y', b: 2 },
      ],
    },
    mark: 'bar',
    encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
  } as const;
  const plain = await renderChart({ ...base } as never, path.join(dir, 'plain.png'));
  const titled = await renderChart({ ...base, title: 'WWWWWWWWWW' } as never, path.join(dir, 'titled.png'));
  const m1 = await sharp(plain).metadata();
  const m2 = await sharp(titled).metadata();
  assert.equal(m1.format, 'png');
  assert.ok(m2.height! > m1.height!, 'the title adds height');
  // The title row has dark pixels (glyphs), not just the white background.
  const { data, info } = await sharp(titled).greyscale().raw().toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (let i = 0; i < info.width * 30; i++) if (data[i] < 128) dark++;
  assert.ok(dark > 50, `only ${dark} dark pixels in the title band`);
});

test('writeStats writes stats.json and the class-distribution chart; preview writes the D10 grid', async () => {
  const root = tempDir('stats');
  const config = tinySyntheticConfig(root);
  const { dir, meta } = await prepareDataset(config);
  const out = path.join(root, 'out');
  const { json, png } = await writeStats(meta, out);
  const stats = JSON.parse(readFileSync(json, 'utf8'));
  assert.deepEqual([stats.splits.train.size, stats.splits.val.size, stats.splits.test.size], [45, 12, 15]);
  assert.equal((await sharp(png).metadata()).format, 'png');

  const augment = validateConfig({}).config.augment;
  const train = loadSplit(dir, 'train');
  const previewPng = path.join(out, 'preview.png');
  const { samples } = await renderPreview({ data: train, meta, augment, rng: new Rng(1), count: 3, outPng: previewPng });
  assert.ok(existsSync(previewPng));
  assert.equal(new Set(samples.map((s) => s.label)).size, 3, 'one sample per class first');
  const info = await sharp(previewPng).metadata();
  assert.ok(info.width! > 3 * 128 && info.height! > 2 * 128);
});

test('the preview shows the recipe: policy ops, erasing and the batch mix, exactly as training draws them', async () => {
  const root = tempDir('preview-recipe');
  const config = tinySyntheticConfig(root);
  const { dir, meta } = await prepareDataset(config);
  const train = loadSplit(dir, 'train');
  const augment = validateConfig({
    augment: { policy: { name: 'randaugment', num_ops: 2, magnitude: 15 }, random_erasing: { prob: 1 }, mix: { mixup_alpha: 1, prob: 1 } },
  }).config.augment;
  const outPng = path.join(root, 'preview.png');
  const { samples } = await renderPreview({ data: train, meta, augment, rng: new Rng(4), count: 4, outPng });
  assert.ok(
    samples.every((s) => s.mix?.mode === 'mixup' && s.mix.lam > 0 && s.mix.lam < 1),
    'every sample is mixed',
  );
  assert.deepEqual(
    samples.map((s) => s.mix!.partner),
    samples.map((s) => s.label).reverse(),
    'each with its partner in the reversed batch',
  );
  assert.ok(
    samples.some((s) => s.policy.length > 0),
    'policy ops are listed',
  );
  assert.ok(samples.filter((s) => s.erased).length >= 2, 'erasing at prob 1 shows');
  // The bottom row differs from the top one: the grid shows the augmented images, not the originals.
  const off = await renderPreview({
    data: train,
    meta,
    augment: { ...augment, enabled: false },
    rng: new Rng(4),
    count: 4,
    outPng: path.join(root, 'off.png'),
  });
  assert.ok(off.samples.every((s) => s.mix === null && s.policy.length === 0));
  const [a, b] = await Promise.all([outPng, path.join(root, 'off.png')].map((f) => sharp(f).raw().toBuffer()));
  assert.notDeepEqual(a, b);
});
