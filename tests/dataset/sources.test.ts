import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import path from 'node:path';
import { tempDir, testConfig } from '../helpers/dataset-config.js';
import { makeImage, writeHfDataset, zipStored } from '../helpers/image-fixtures.js';
import { prepareDataset, cacheDirFor, loadClassList, loadSplit } from '../../dataset/index.js';
import { FolderSource } from '../../dataset/sources/folder.js';
import { TINY_IMAGENET_CLASSES } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';
import { validateConfig } from '../../core/config/index.js';
import type { HfRow } from '../../dataset/hf-parquet-writer.js';

const BUILTIN = loadClassList(TINY_IMAGENET_CLASSES);
const REMAPPED = BUILTIN.filter((c) => c.hf_label !== c.wnid);
// Two remapped classes and one ordinary one.
const PICK = [REMAPPED[0], REMAPPED[REMAPPED.length - 1], BUILTIN.find((c) => c.hf_label === c.wnid)!];

const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof TinynetError && e.code === code && (!re || re.test(e.message));

async function rowsFor(perClass: number, tag: string): Promise<HfRow[]> {
  const rows: HfRow[] = [];
  for (const c of PICK) {
    for (let i = 0; i < perClass; i++) {
      // One grayscale JPEG, one PNG with alpha and one odd-sized image per class.
      const channels = i === 0 ? 1 : i === 1 ? 4 : 3;
      const bytes = i === 2 ? await makeImage(c.id + i, { width: 20, height: 12 }) : await makeImage(c.id + i, { size: 16, channels });
      rows.push({ bytes, path: `${tag}_${c.id}_${i}.JPEG`, label: c.id });
    }
  }
  return rows;
}

test('there are 18 remapped classes in the built-in list', () => {
  assert.equal(BUILTIN.length, 200);
  assert.equal(REMAPPED.length, 18);
});

test('HF parquet with the built-in class list: label ids kept, standard wnids in meta, grayscale/alpha/odd sizes handled', async () => {
  const root = tempDir('hf');
  const names = BUILTIN.map((c) => c.hf_label!);
  writeHfDataset(path.join(root, 'hf'), await rowsFor(8, 'train'), await rowsFor(2, 'val'), names);
  const config = testConfig(root, { source: 'hf-parquet', path: path.join(root, 'hf'), image_size: 16, test_ratio: 0.25 });
  const { dir, meta } = await prepareDataset(config);
  assert.equal(meta.num_classes, 200);
  for (const c of PICK) {
    assert.equal(meta.classes[c.id].wnid, c.wnid, 'meta carries the standard wnid, not the HF label');
    assert.equal(meta.per_class.train[c.id] + meta.per_class.test[c.id], 8);
    assert.equal(meta.per_class.test[c.id], 2);
    assert.equal(meta.per_class.val[c.id], 2);
  }
  assert.equal(meta.grayscale.total, 3 + 3); // one grayscale image per class in train and in val
  assert.equal((meta.image_sizes.train['20x12'] ?? 0) + (meta.image_sizes.test['20x12'] ?? 0), 3);
  const val = loadSplit(dir, 'val');
  assert.deepEqual(
    [...val.labels],
    PICK.flatMap((c) => [c.id, c.id]),
  );
  // The grayscale image became R = G = B.
  const px = val.images.subarray(0, 16 * 16 * 3);
  for (let i = 0; i < px.length; i += 3) assert.ok(px[i] === px[i + 1] && px[i + 1] === px[i + 2]);
});

test('HF parquet whose stored ClassLabel names disagree with the class list is refused', async () => {
  const root = tempDir('hfnames');
  const wrong = BUILTIN.map((c) => c.wnid); // the standard wnids, not what the HF file stores
  writeHfDataset(path.join(root, 'hf'), await rowsFor(4, 't'), await rowsFor(1, 'v'), wrong);
  const config = testConfig(root, { source: 'hf-parquet', path: path.join(root, 'hf'), image_size: 16 });
  await assert.rejects(prepareDataset(config), isCode('dataset.classes_mismatch', new RegExp(REMAPPED[0].wnid)));
});

async function writeTinyImagenetTree(root: string): Promise<{ name: string; data: Uint8Array }[]> {
  const entries: { name: string; data: Uint8Array }[] = [];
  const ann: string[] = [];
  let v = 0;
  for (const c of PICK) {
    for (let i = 0; i < 4; i++) entries.push({ name: `tiny-imagenet-200/train/${c.wnid}/images/${c.wnid}_${i}.JPEG`, data: await makeImage(c.id + i) });
    for (let i = 0; i < 2; i++, v++) {
      entries.push({ name: `tiny-imagenet-200/val/images/val_${v}.JPEG`, data: await makeImage(c.id + 10 + i) });
      ann.push(`val_${v}.JPEG\t${c.wnid}\t0\t0\t10\t10`);
    }
  }
  entries.push({ name: 'tiny-imagenet-200/val/val_annotations.txt', data: Buffer.from(`${ann.join('\n')}\n`) });
  for (const e of entries) {
    mkdirSync(path.dirname(path.join(root, e.name)), { recursive: true });
    writeFileSync(path.join(root, e.name), e.data);
  }
  return entries;
}

test('Tiny ImageNet folder layout and its zip map wnids to the same label ids', async () => {
  const root = tempDir('folder');
  const entries = await writeTinyImagenetTree(path.join(root, 'tree'));
  writeFileSync(path.join(root, 'tiny-imagenet-200.zip'), zipStored(entries));
  for (const p of [path.join(root, 'tree'), path.join(root, 'tree', 'tiny-imagenet-200'), path.join(root, 'tiny-imagenet-200.zip')]) {
    const src = await FolderSource.open(p, BUILTIN);
    assert.deepEqual(
      [...(await src.labels('train'))],
      PICK.flatMap((c) => [c.id, c.id, c.id, c.id]).sort((a, b) => a - b),
    );
    assert.deepEqual(
      [...(await src.labels('val'))],
      PICK.flatMap((c) => [c.id, c.id]),
    );
    let n = 0;
    for await (const item of src.items('val')) {
      assert.equal(item.index, n++);
      assert.ok(item.bytes.length > 100);
    }
    assert.equal(n, 6);
    await src.close();
  }
  const config = testConfig(root, { source: 'tiny-imagenet-folder', path: path.join(root, 'tiny-imagenet-200.zip'), image_size: 16, test_ratio: 0.25 });
  const { meta } = await prepareDataset(config);
  for (const c of PICK) assert.deepEqual([meta.per_class.train[c.id], meta.per_class.test[c.id], meta.per_class.val[c.id]], [3, 1, 2]);
});

test('a folder with a wnid outside the class list is refused', async () => {
  const root = tempDir('folderbad');
  await writeTinyImagenetTree(root);
  mkdirSync(path.join(root, 'tiny-imagenet-200/train/n99999999/images'), { recursive: true });
  writeFileSync(path.join(root, 'tiny-imagenet-200/train/n99999999/images/x.JPEG'), await makeImage(1));
  await assert.rejects(FolderSource.open(root, BUILTIN), isCode('dataset.bad_label', /n99999999/));
});

// ---- bad inputs: each one a clear TinynetError, and no cache left behind ----

async function smallHf(root: string, mutate?: (train: HfRow[]) => void): Promise<ReturnType<typeof testConfig>> {
  const names = ['a', 'b'];
  const mk = async (n: number) => {
    const rows: HfRow[] = [];
    for (let c = 0; c < 2; c++) for (let i = 0; i < n; i++) rows.push({ bytes: await makeImage(c * 10 + i), path: `img_${c}_${i}.jpg`, label: c });
    return rows;
  };
  const train = await mk(4);
  mutate?.(train);
  writeHfDataset(path.join(root, 'hf'), train, await mk(1), names);
  writeFileSync(path.join(root, 'classes.json'), JSON.stringify(names.map((n, id) => ({ id, wnid: n, name: `class ${n}` }))));
  return testConfig(root, { source: 'hf-parquet', path: path.join(root, 'hf'), classes: path.join(root, 'classes.json'), image_size: 16, test_ratio: 0.25 });
}

function assertNoCache(config: ReturnType<typeof testConfig>): void {
  const cacheRoot = path.dirname(cacheDirFor(config));
  assert.ok(!existsSync(cacheRoot) || readdirSync(cacheRoot).length === 0, `cache root holds ${existsSync(cacheRoot) ? readdirSync(cacheRoot) : ''}`);
}

test('bad input: missing dataset path', async () => {
  const root = tempDir('missing');
  const config = testConfig(root, { source: 'hf-parquet', path: path.join(root, 'nowhere') });
  await assert.rejects(prepareDataset(config), isCode('dataset.not_found', /nowhere/));
  const folder = testConfig(root, { source: 'tiny-imagenet-folder', path: path.join(root, 'nowhere') });
  await assert.rejects(prepareDataset(folder), isCode('dataset.not_found'));
});

test('bad input: truncated parquet', async () => {
  const root = tempDir('trunc');
  const config = await smallHf(root);
  const file = path.join(root, 'hf', 'data', 'train-00000-of-00001.parquet');
  truncateSync(file, Math.floor(statSync(file).size / 2));
  await assert.rejects(prepareDataset(config), isCode('dataset.bad_parquet', /train-00000-of-00001\.parquet/));
  assertNoCache(config);
});

test('bad input: parquet without an `image` column', async () => {
  const root = tempDir('nocol');
  const config = await smallHf(root);
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  writeFileSync(
    path.join(root, 'hf', 'data', 'train-00000-of-00001.parquet'),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'picture', data: ['x', 'y'] },
          { name: 'label', data: [0, 1] },
        ],
      }),
    ),
  );
  await assert.rejects(prepareDataset(config), isCode('dataset.bad_parquet', /no `image` column \(columns: picture, label\)/));
  assertNoCache(config);
});

test('bad input: non-image bytes are reported with split, index and path', async () => {
  const root = tempDir('notimg');
  const config = await smallHf(root, (rows) => {
    rows[5].bytes = new TextEncoder().encode('this is not an image at all');
  });
  await assert.rejects(prepareDataset(config), isCode('dataset.bad_image', /train image 5 \(train-00000-of-00001\.parquet#5 img_1_1\.jpg\)/));
  assertNoCache(config);
});

test('bad input: label out of range', async () => {
  const root = tempDir('badlabel');
  const config = await smallHf(root, (rows) => {
    rows[3].label = 7;
  });
  await assert.rejects(prepareDataset(config), isCode('dataset.bad_label', /row 3: label 7 is out of range 0\.\.1/));
  assertNoCache(config);
});

test('bad input: unknown dataset config key', () => {
  assert.throws(
    () => validateConfig({ dataset: { sorce: 'synthetic' } }),
    (e: unknown) => e instanceof TinynetError && /unknown config key "dataset\.sorce"/.test(e.message),
  );
});

test('bad input: class list that is not a list of {id, wnid, name}', () => {
  const root = tempDir('badclasses');
  const file = path.join(root, 'c.json');
  writeFileSync(
    file,
    JSON.stringify([
      { id: 1, wnid: 'a', name: 'x' },
      { id: 0, wnid: 'b', name: 'y' },
    ]),
  );
  assert.throws(() => loadClassList(file), isCode('dataset.classes_invalid', /ids must be 0\.\.1 in order/));
  assert.ok(readFileSync(file).length > 0);
});

test('dataset.files lists the shards explicitly (any names, any folder)', async () => {
  const root = tempDir('files');
  await smallHf(root);
  const { renameSync } = await import('node:fs');
  renameSync(path.join(root, 'hf', 'data', 'train-00000-of-00001.parquet'), path.join(root, 'mine-a.parquet'));
  renameSync(path.join(root, 'hf', 'data', 'valid-00000-of-00001.parquet'), path.join(root, 'mine-b.parquet'));
  const base = { source: 'hf-parquet', path: path.join(root, 'hf'), classes: path.join(root, 'classes.json'), image_size: 16, test_ratio: 0.25 };
  await assert.rejects(prepareDataset(testConfig(root, base)), isCode('dataset.not_found', /no train shards/));
  const config = testConfig(root, { ...base, files: { train: [path.join(root, 'mine-a.parquet')], val: [path.join(root, 'mine-b.parquet')] } });
  const { meta } = await prepareDataset(config);
  assert.deepEqual([meta.splits.train.size, meta.splits.test.size, meta.splits.val.size], [6, 2, 2]);
});
