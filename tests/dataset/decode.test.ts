import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, parseHeader } from '../../dataset/decode.js';
import { makeImage } from './fixtures.js';

async function sharpRgb(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer());
}

test('the wasm JPEG path gives the same pixels as sharp (color, grayscale, progressive)', async () => {
  const color = await makeImage(3, { size: 32 });
  const gray = await makeImage(4, { size: 32, channels: 1 });
  const progressive = new Uint8Array(await sharp(await sharpRgb(color), { raw: { width: 32, height: 32, channels: 3 } }).jpeg({ progressive: true }).toBuffer());
  for (const [name, bytes, channels] of [['color', color, 3], ['gray', gray, 1], ['progressive', progressive, 3]] as const) {
    const d = await decodeImage(bytes, 32);
    assert.equal(d.channels, channels, name);
    const ref = await sharpRgb(bytes);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - d.rgb[i]));
    assert.ok(maxDiff <= 1, `${name}: max |wasm − sharp| = ${maxDiff}`);
  }
});

test('PNG with alpha and odd sizes go through sharp and come out size×size RGB', async () => {
  const png = await makeImage(5, { size: 16, channels: 4 });
  assert.deepEqual(parseHeader(png), { format: 'png', channels: 4 });
  const d = await decodeImage(png, 16);
  assert.equal(d.rgb.length, 16 * 16 * 3);
  const odd = await decodeImage(await makeImage(6, { width: 40, height: 24 }), 16);
  assert.deepEqual([odd.width, odd.height, odd.rgb.length], [40, 24, 16 * 16 * 3]);
});

test('a truncated JPEG is an error, not a gray-filled image', async () => {
  const whole = await makeImage(7, { size: 32 });
  await assert.rejects(decodeImage(whole.subarray(0, Math.floor(whole.length * 0.6)), 32));
  await assert.rejects(decodeImage(new TextEncoder().encode('not an image'), 32));
});
