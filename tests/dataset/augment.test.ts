import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import { validateConfig, type AugmentConfig } from '../../core/config/index.js';
import { augmentBatch, drawAugmentParams, normalizeBatch } from '../../dataset/index.js';
import '../helpers/dataset-config.js';

const B = 4,
  H = 8,
  W = 8;

function randomBatch(seed: number): { u8: Uint8Array; x: tf.Tensor4D } {
  const rng = new Rng(seed);
  const u8 = Uint8Array.from({ length: B * H * W * 3 }, () => rng.int(256));
  return {
    u8,
    x: tf.tensor4d(
      Float32Array.from(u8, (v) => v / 255),
      [B, H, W, 3],
    ),
  };
}

function augmentConfig(augment: Record<string, unknown>): AugmentConfig {
  return validateConfig({ augment }).config.augment;
}

test('same seed → same augmented batch; another seed → another batch', async () => {
  const cfg = augmentConfig({});
  const { x } = randomBatch(1);
  const run = (seed: number) => {
    const out = augmentBatch(x, drawAugmentParams(B, cfg, new Rng(seed)), cfg);
    const data = out.dataSync().slice();
    out.dispose();
    return data;
  };
  assert.deepEqual(run(9), run(9));
  assert.notDeepEqual(run(9), run(10));
  x.dispose();
});

test('hflip with p=1 (no crop, no jitter) mirrors every image exactly', () => {
  const cfg = augmentConfig({ hflip: 1, random_resized_crop: { enabled: false }, color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 } });
  const { x } = randomBatch(2);
  const params = drawAugmentParams(B, cfg, new Rng(1));
  assert.deepEqual(params.flipped, [true, true, true, true]);
  const out = augmentBatch(x, params, cfg);
  const expected = tf.reverse(x, 2);
  const diff = tf.max(tf.abs(tf.sub(out, expected))).dataSync()[0];
  assert.ok(diff < 1e-6, `max |flip − reverse| = ${diff}`);
  // p = 0 leaves the image as it is.
  const none = augmentConfig({ hflip: 0, random_resized_crop: { enabled: false }, color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 } });
  const same = augmentBatch(x, drawAugmentParams(B, none, new Rng(1)), none);
  assert.ok(tf.max(tf.abs(tf.sub(same, x))).dataSync()[0] < 1e-6);
  tf.dispose([x, out, expected, same]);
});

test('full augmentation keeps the shape and the [0,1] range; crop boxes respect scale', () => {
  const cfg = augmentConfig({ color_jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.3 } });
  const { x } = randomBatch(3);
  const params = drawAugmentParams(B, cfg, new Rng(5));
  for (let i = 0; i < B; i++) {
    const [y1, x1, y2, x2] = params.boxes.subarray(i * 4, i * 4 + 4);
    const area = (y2 - y1) * Math.abs(x2 - x1);
    assert.ok(area >= 0.8 - 1e-6 && area <= 1 + 1e-6, `crop area ${area}`);
    assert.ok(Math.min(x1, x2) >= 0 && Math.max(x1, x2) <= 1 + 1e-6);
  }
  const out = augmentBatch(x, params, cfg);
  assert.deepEqual(out.shape, [B, H, W, 3]);
  const data = out.dataSync();
  for (const v of data) assert.ok(v >= 0 && v <= 1, `value ${v} outside [0,1]`);
  tf.dispose([x, out]);
});

test('a zero hue shift is the identity, a whole turn too; zero jitter factors are exactly 1', () => {
  const cfg = augmentConfig({ hflip: 0, random_resized_crop: { enabled: false }, color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0.5 } });
  const { x } = randomBatch(4);
  const params = drawAugmentParams(B, cfg, new Rng(1));
  params.hue.fill(0);
  const out = augmentBatch(x, params, cfg);
  assert.ok(tf.max(tf.abs(tf.sub(out, x))).dataSync()[0] < 1e-5);
  params.hue.fill(1);
  const turned = augmentBatch(x, params, cfg);
  assert.ok(tf.max(tf.abs(tf.sub(turned, x))).dataSync()[0] < 1e-5);
  params.hue.fill(0.25);
  const shifted = augmentBatch(x, params, cfg);
  assert.ok(tf.max(tf.abs(tf.sub(shifted, x))).dataSync()[0] > 0.05);
  assert.deepEqual([...params.brightness], [1, 1, 1, 1]);
  tf.dispose([x, out, turned, shifted]);
});

test('normalizeBatch is (v/255 − mean)/std per channel', () => {
  const u8 = Uint8Array.from([0, 128, 255, 10, 20, 30]);
  const mean = [0.5, 0.4, 0.3],
    std = [0.2, 0.25, 0.3];
  const out = normalizeBatch(u8, mean, std);
  u8.forEach((v, i) => {
    assert.ok(Math.abs(out[i] - (v / 255 - mean[i % 3]) / std[i % 3]) < 1e-5);
  });
});

test("colour jitter runs in each image's own order (torchvision), and each order is a permutation", () => {
  const strong = { brightness: 0.6, contrast: 0.6, saturation: 0.6, hue: 0.3 };
  const cfg = augmentConfig({ hflip: 0, random_resized_crop: { enabled: false }, color_jitter: strong });
  const drawn = drawAugmentParams(64, cfg, new Rng(3));
  const orders = new Set<string>();
  for (let i = 0; i < 64; i++) {
    const o = Array.from(drawn.order.subarray(i * 4, i * 4 + 4));
    assert.deepEqual([...o].sort(), [0, 1, 2, 3]);
    orders.add(o.join(''));
  }
  assert.ok(orders.size > 6, `only ${orders.size} distinct orders in 64 images`);
  const fixed = drawAugmentParams(8, augmentConfig({ color_jitter: { ...strong, random_order: false } }), new Rng(3));
  assert.deepEqual(
    Array.from(fixed.order),
    Array.from({ length: 32 }, (_, i) => i % 4),
  );

  // Reference: the four ops one at a time (a config with only that op on), composed in the image's order.
  const { x } = randomBatch(6);
  const params = drawAugmentParams(B, cfg, new Rng(11));
  const reversed = [3, 2, 1, 0];
  params.order.set(reversed, 0);
  params.order.set([0, 1, 2, 3], 4);
  const out = augmentBatch(x, params, cfg);
  const only = (name: keyof typeof strong) =>
    augmentConfig({
      hflip: 0,
      random_resized_crop: { enabled: false },
      color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0, [name]: strong[name] },
    });
  const names = ['brightness', 'contrast', 'saturation', 'hue'] as const;
  for (const image of [0, 1]) {
    let ref = x;
    for (let k = 0; k < 4; k++) {
      const next = augmentBatch(ref, params, only(names[params.order[image * 4 + k]]));
      if (ref !== x) ref.dispose();
      ref = next;
    }
    const got = tf.slice(out, [image, 0, 0, 0], [1, -1, -1, -1]);
    const want = tf.slice(ref, [image, 0, 0, 0], [1, -1, -1, -1]);
    const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0];
    assert.ok(diff < 1e-5, `image ${image}: max |batched − sequential| = ${diff}`);
    tf.dispose([ref, got, want]);
  }
  // The order matters: image 0 in the opposite order gives another image.
  params.order.set([0, 1, 2, 3], 0);
  const forward = augmentBatch(x, params, cfg);
  const d = tf.max(tf.abs(tf.sub(tf.slice(forward, [0, 0, 0, 0], [1, -1, -1, -1]), tf.slice(out, [0, 0, 0, 0], [1, -1, -1, -1])))).dataSync()[0];
  assert.ok(d > 1e-3, `reversing the order changed image 0 by only ${d}`);
  tf.dispose([x, out, forward]);
});
