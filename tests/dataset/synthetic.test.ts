import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir, tinySyntheticConfig } from '../helpers/dataset-config.js';
import { synthesizeDataset, prepareDataset, loadSplit, loadClassList } from '../../dataset/index.js';
import { SYNTH_TRAIN_FILE, SYNTH_VAL_FILE } from '../../dataset/synthetic.js';
import { TinynetError } from '../../core/errors.js';

const opts = { classes: 4, perClass: 12, valPerClass: 6, seed: 11, imageSize: 24 };

test('the generator is deterministic: same seed → byte-identical parquet files; another seed differs', async () => {
  const root = tempDir('synth');
  await synthesizeDataset({ out: path.join(root, 'a'), ...opts });
  await synthesizeDataset({ out: path.join(root, 'b'), ...opts });
  await synthesizeDataset({ out: path.join(root, 'c'), ...opts, seed: 12 });
  const read = (d: string, f: string) => readFileSync(path.join(root, d, 'data', f));
  assert.deepEqual(read('a', SYNTH_TRAIN_FILE), read('b', SYNTH_TRAIN_FILE));
  assert.deepEqual(read('a', SYNTH_VAL_FILE), read('b', SYNTH_VAL_FILE));
  assert.notDeepEqual(read('a', SYNTH_TRAIN_FILE), read('c', SYNTH_TRAIN_FILE));
  const classes = loadClassList(path.join(root, 'a', 'classes.json'));
  assert.equal(classes.length, 4);
  assert.equal(new Set(classes.map((c) => c.name)).size, 4);
  await assert.rejects(synthesizeDataset({ out: path.join(root, 'a'), ...opts }), (e: unknown) => e instanceof TinynetError && e.code === 'synth.out_exists');
});

test('prepare with source synthetic generates the dataset when the path is empty', async () => {
  const root = tempDir('synthprep');
  const config = tinySyntheticConfig(root);
  assert.equal(existsSync(config.dataset.path), false);
  const { meta } = await prepareDataset(config);
  assert.ok(existsSync(path.join(config.dataset.path, 'classes.json')));
  assert.equal(meta.num_classes, 3);
  assert.equal(meta.source.classes_file, path.join(config.dataset.path, 'classes.json'));
});

test('the synthetic classes are learnable: nearest class mean on pixels beats chance by far', async () => {
  const root = tempDir('learn');
  const config = tinySyntheticConfig(root, { synthetic: { classes: 6, per_class: 20, val_per_class: 10, seed: 5 } });
  const { dir } = await prepareDataset(config);
  const train = loadSplit(dir, 'train');
  const val = loadSplit(dir, 'val');
  const px = train.height * train.width * 3;
  // Class means of a coarse color histogram (position-free, so jitter does not matter).
  const feature = (images: Uint8Array, i: number) => {
    const f = new Float64Array(3 * 8);
    for (let p = i * px; p < (i + 1) * px; p += 3) for (let c = 0; c < 3; c++) f[c * 8 + (images[p + c] >> 5)]++;
    return f;
  };
  const means = Array.from({ length: 6 }, () => new Float64Array(24));
  const counts = new Array(6).fill(0);
  for (let i = 0; i < train.n; i++) {
    const f = feature(train.images, i);
    f.forEach((v, k) => {
      means[train.labels[i]][k] += v;
    });
    counts[train.labels[i]]++;
  }
  means.forEach((m, c) => {
    m.forEach((_, k) => {
      m[k] /= counts[c];
    });
  });
  let correct = 0;
  for (let i = 0; i < val.n; i++) {
    const f = feature(val.images, i);
    const dist = means.map((m) => m.reduce((s, v, k) => s + (v - f[k]) ** 2, 0));
    if (dist.indexOf(Math.min(...dist)) === val.labels[i]) correct++;
  }
  assert.ok(correct / val.n >= 0.8, `nearest-mean accuracy ${correct}/${val.n}`);
});
