/**
 * The image contract end to end: the pixels `data prepare` stores for a dataset image are the
 * pixels the server feeds the model for the same file — on images that need the whole contract
 * (alpha, EXIF orientation, a resize), where the two paths would otherwise drift apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { prepareDataset, loadSplit } from '../../dataset/index.js';
import { InferenceService } from '../../serve/inference.js';
import { writeHfDataset } from '../helpers/image-fixtures.js';
import { tempDir, testConfig } from '../helpers/dataset-config.js';
import { testPixels, writeTinyModel } from '../helpers/serve-fixtures.js';
import type { HfRow } from '../../dataset/hf-parquet-writer.js';

const SIZE = 32;

/** 80×50 RGBA PNG: opaque on the left, alpha falling to 0 over x 40–50, transparent from there. */
async function alphaPng(): Promise<Uint8Array> {
  const w = 80,
    h = 50;
  const rgb = testPixels(w, h, 4);
  const rgba = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    rgb.copy(rgba, p * 4, p * 3, p * 3 + 3);
    const x = p % w;
    rgba[p * 4 + 3] = x < 40 ? 255 : x < 50 ? Math.round((255 * (50 - x)) / 10) : 0;
  }
  return new Uint8Array(
    await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toBuffer(),
  );
}

/** 60×40 JPEG stored sideways with EXIF orientation 6: upright it is 40×60. */
async function rotatedJpeg(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(testPixels(60, 40, 9), { raw: { width: 60, height: 40, channels: 3 } })
      .jpeg({ quality: 92 })
      .withMetadata({ orientation: 6 })
      .toBuffer(),
  );
}

test('an 80×50 PNG with alpha and an EXIF-rotated JPEG: data prepare stores exactly the pixels serve decodes', async () => {
  const root = tempDir('contract');
  const special = [await alphaPng(), await rotatedJpeg()];
  const plain = async (seed: number) =>
    new Uint8Array(
      await sharp(testPixels(SIZE, SIZE, seed), { raw: { width: SIZE, height: SIZE, channels: 3 } })
        .png()
        .toBuffer(),
    );
  const train: HfRow[] = [];
  for (let i = 0; i < 8; i++) train.push({ bytes: await plain(i), path: `t${i}.png`, label: i % 2 });
  // The two images under test are the first val rows: the val split keeps the source order.
  const val: HfRow[] = [
    { bytes: special[0], path: 'alpha.png', label: 0 },
    { bytes: special[1], path: 'rotated.jpg', label: 1 },
  ];
  writeHfDataset(path.join(root, 'hf'), train, val, ['a', 'b']);
  const classes = path.join(root, 'classes.json');
  writeFileSync(
    classes,
    JSON.stringify([
      { id: 0, wnid: 'a', name: 'class a' },
      { id: 1, wnid: 'b', name: 'class b' },
    ]),
  );
  const config = testConfig(root, { source: 'hf-parquet', path: path.join(root, 'hf'), classes, image_size: SIZE, test_ratio: 0.25 });
  const { dir, meta } = await prepareDataset(config);
  assert.equal(meta.resize, 'center_crop');
  assert.deepEqual(meta.image_sizes.val, { '80x50': 1, '40x60': 1 });
  const cached = loadSplit(dir, 'val');

  const svc = await InferenceService.open({
    modelPath: writeTinyModel({ size: SIZE, numClasses: 2 }),
    providers: ['cpu'],
    workers: 1,
    threads: 1,
    maxBatch: 1,
    maxDelayMs: 1,
    maxQueue: 4,
    maxInputPixels: 1e7,
  });
  try {
    assert.equal(svc.info.resize, meta.resize);
    for (const [i, bytes] of special.entries()) {
      const served = await svc.decode(bytes);
      const stored = cached.images.subarray(i * SIZE * SIZE * 3, (i + 1) * SIZE * SIZE * 3);
      assert.deepEqual(Buffer.from(served as Uint8Array), Buffer.from(stored), `${val[i].path}: served pixels differ from the cache`);
    }
  } finally {
    await svc.close();
  }
  // The alpha really was composited on white: the transparent right edge of the crop is white.
  const rightEdge = (SIZE - 1) * 3;
  assert.deepEqual([...cached.images.subarray(rightEdge, rightEdge + 3)], [255, 255, 255]);
});
