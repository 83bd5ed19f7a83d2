import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { centerCropBox, cropBoxFor, declaredResizeRule } from '../../core/image/resize-rule.js';
import { decodeImage } from '../../core/image/decode.js';
import { TinynetError } from '../../core/errors.js';
import { testPixels } from '../helpers/serve-fixtures.js';

const opts = { width: 4, height: 4, maxInputPixels: 1e6 };

test('resize rule: shorter side to size, then a centred crop; stretch keeps the whole image', () => {
  assert.deepEqual(centerCropBox(128, 64, 64, 64), { left: 32, top: 0, width: 64, height: 64 });
  assert.deepEqual(centerCropBox(50, 100, 64, 64), { left: 0, top: 25, width: 50, height: 50 });
  assert.deepEqual(centerCropBox(64, 64, 64, 64), { left: 0, top: 0, width: 64, height: 64 });
  assert.deepEqual(centerCropBox(300, 200, 64, 32), { left: 0, top: 25, width: 300, height: 150 });
  assert.deepEqual(cropBoxFor('stretch', 300, 200, 64, 64), { left: 0, top: 0, width: 300, height: 200 });
});

test('a model declaring no rule is center_crop; the older spellings too; an unknown rule is refused', () => {
  assert.equal(declaredResizeRule(undefined), 'center_crop');
  assert.equal(declaredResizeRule('shorter-side-then-center-crop'), 'center_crop');
  assert.equal(declaredResizeRule('stretch'), 'stretch');
  assert.equal(declaredResizeRule('letterbox'), null);
});

test('a wide image keeps only its centre', async () => {
  // Left third red, middle third green, right third blue: the centre crop is all green.
  const w = 12,
    h = 4;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[(y * w + x) * 3 + Math.floor(x / 4)] = 255;
  const png = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
  const img = await decodeImage(png, opts);
  for (let p = 0; p < 16; p++) assert.deepEqual([...img.pixels.subarray(p * 3, p * 3 + 3)], [0, 255, 0]);
});

test('EXIF orientation is applied before the crop', async () => {
  // Stored 8×4 (left half black, right white) with orientation 6 (rotate 90° clockwise):
  // shown 4×8, top half black → the centre 4×4 crop has a black top half and white bottom.
  const w = 8,
    h = 4;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 4; x < w; x++) raw.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
  const jpg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const img = await decodeImage(jpg, opts);
  assert.deepEqual(img.source, { format: 'jpeg', width: 4, height: 8, channels: 3 });
  assert.ok(img.pixels[0] < 60, 'top-left is black');
  assert.ok(img.pixels[(3 * 4 + 3) * 3] > 195, 'bottom-right is white');
});

test('grayscale, alpha and GIF all come out as RGB', async () => {
  const gray = await sharp(Buffer.alloc(16, 100), { raw: { width: 4, height: 4, channels: 1 } })
    .png()
    .toBuffer();
  const g = await decodeImage(gray, opts);
  assert.equal(g.pixels.length, 48);
  assert.deepEqual([...g.pixels.subarray(0, 3)], [100, 100, 100]);
  // Fully transparent pixels are composited on white.
  const rgba = await sharp(Buffer.alloc(64, 0), { raw: { width: 4, height: 4, channels: 4 } })
    .png()
    .toBuffer();
  const a = await decodeImage(rgba, opts);
  assert.deepEqual([...a.pixels.subarray(0, 3)], [255, 255, 255]);
  const gif = await sharp(testPixels(8, 8, 3), { raw: { width: 8, height: 8, channels: 3 } })
    .gif()
    .toBuffer();
  assert.equal((await decodeImage(gif, opts)).pixels.length, 48);
});

test('bad images are TinynetErrors with a code the server maps', async () => {
  const png = await sharp(testPixels(32, 32, 1), { raw: { width: 32, height: 32, channels: 3 } })
    .png()
    .toBuffer();
  await assert.rejects(decodeImage(png.subarray(0, png.length / 2), opts), (e) => e instanceof TinynetError && e.code === 'image.undecodable');
  await assert.rejects(decodeImage(Buffer.from('hello world'), opts), (e) => e instanceof TinynetError && e.code === 'image.undecodable');
  await assert.rejects(decodeImage(png, { ...opts, maxInputPixels: 100 }), (e) => e instanceof TinynetError && e.code === 'image.too_large');
  const tiff = await sharp(testPixels(8, 8, 1), { raw: { width: 8, height: 8, channels: 3 } })
    .tiff()
    .toBuffer();
  await assert.rejects(decodeImage(tiff, opts), (e) => e instanceof TinynetError && e.code === 'image.unsupported');
});

test('an animated GIF is read from its first frame', async () => {
  const frame = (r: number, g: number, b: number) =>
    sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
  const gif = await sharp([await frame(255, 0, 0), await frame(0, 0, 255)], { join: { animated: true } })
    .gif()
    .toBuffer();
  const img = await decodeImage(gif, opts);
  assert.deepEqual(img.source, { format: 'gif', width: 8, height: 8, channels: 4 });
  assert.deepEqual([...img.pixels.subarray(0, 3)], [255, 0, 0]);
});
