import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from '../../core/image/decode.js';
import { parseHeader } from '../../core/image/header.js';
import { makeImage } from '../helpers/image-fixtures.js';

async function sharpRgb(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer());
}

test('the wasm JPEG path gives the same pixels as sharp (color, grayscale, progressive)', async () => {
  const color = await makeImage(3, { size: 32 });
  const gray = await makeImage(4, { size: 32, channels: 1 });
  const progressive = new Uint8Array(
    await sharp(await sharpRgb(color), { raw: { width: 32, height: 32, channels: 3 } })
      .jpeg({ progressive: true })
      .toBuffer(),
  );
  for (const [name, bytes, channels] of [
    ['color', color, 3],
    ['gray', gray, 1],
    ['progressive', progressive, 3],
  ] as const) {
    const d = await decodeImage(bytes, { width: 32, height: 32 });
    assert.equal(d.source.channels, channels, name);
    const ref = await sharpRgb(bytes);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - d.pixels[i]));
    assert.ok(maxDiff <= 1, `${name}: max |wasm − sharp| = ${maxDiff}`);
  }
});

test('the header gives format, channels, size and whether a JPEG carries EXIF', async () => {
  assert.deepEqual(parseHeader(await makeImage(5, { width: 40, height: 24, channels: 4 })), { format: 'png', channels: 4, width: 40, height: 24, exif: false });
  const jpeg = await makeImage(6, { width: 40, height: 24 });
  assert.deepEqual(parseHeader(jpeg), { format: 'jpeg', channels: 3, width: 40, height: 24, exif: false });
  const rotated = new Uint8Array(await sharp(jpeg).withMetadata({ orientation: 6 }).jpeg().toBuffer());
  assert.equal(parseHeader(rotated)?.exif, true);
});

test('a model-size JPEG with EXIF orientation is rotated, not sent down the fast path as stored', async () => {
  // Stored 32×32 with orientation 8 (rotate 90° counter-clockwise): pixels move, size does not.
  const stored = await makeImage(8, { size: 32 });
  const rotated = new Uint8Array(await sharp(stored).withMetadata({ orientation: 8 }).jpeg({ quality: 100 }).toBuffer());
  const d = await decodeImage(rotated, { width: 32, height: 32 });
  const ref = new Uint8Array(await sharp(rotated).rotate().raw().toBuffer());
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - d.pixels[i]));
  assert.ok(maxDiff <= 1, `max |decoded − upright| = ${maxDiff}`);
});

test('a truncated JPEG is an error, not a gray-filled image', async () => {
  const whole = await makeImage(7, { size: 32 });
  await assert.rejects(decodeImage(whole.subarray(0, Math.floor(whole.length * 0.6)), { width: 32, height: 32 }));
  await assert.rejects(decodeImage(new TextEncoder().encode('not an image'), { width: 32, height: 32 }));
});
