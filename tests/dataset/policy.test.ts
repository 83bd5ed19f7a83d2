import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { validateConfig, type AugmentConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { applyPolicyOp, augmentationSpace, drawPolicy, POLICY_OPS } from '../../dataset/policy/policy.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustSharpness,
  autocontrast,
  equalize,
  grayscale,
  posterize,
  solarize,
} from '../../dataset/policy/color-ops.js';
import { rotate, shearX, translate } from '../../dataset/policy/geometry.js';
import { roundHalfEven } from '../../dataset/policy/round.js';

const policy = (p: Record<string, unknown>): AugmentConfig['policy'] => validateConfig({ augment: { policy: p } }).config.augment.policy;

/** A fixed h×w RGB image with distinct values. */
const image = (h: number, w: number) => Uint8Array.from({ length: h * w * 3 }, (_, i) => (i * 37 + 11) % 256);
const at = (img: Uint8Array, w: number, y: number, x: number, c = 0) => img[(y * w + x) * 3 + c];

test("RandAugment magnitudes: torchvision's tables at 31 bins on a 64×64 image", () => {
  const s = augmentationSpace('randaugment', 31, 64, 64);
  const bin = (op: keyof typeof s, k: number) => s[op].magnitudes![k];
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  close(bin('ShearX', 9), (0.3 * 9) / 30);
  close(bin('TranslateX', 9), ((150 / 331) * 64 * 9) / 30);
  close(bin('Rotate', 30), 30);
  close(bin('Brightness', 10), 0.3);
  close(bin('Solarize', 9), 255 - (255 * 9) / 30);
  // 8 − round(i / 7.5): 8 for i ≤ 3, 7 for 4..11, 6 for 12..18 (15/7.5 = 2), 4 at 30.
  assert.deepEqual(
    [0, 3, 4, 11, 12, 18, 19, 26, 27, 30].map((i) => bin('Posterize', i)),
    [8, 8, 7, 7, 6, 6, 5, 5, 4, 4],
  );
  assert.equal(s.Identity.magnitudes, null);
  assert.equal(Object.keys(s).length, 14);
  assert.deepEqual(Object.keys(s), [...POLICY_OPS]);
  assert.deepEqual(
    POLICY_OPS.filter((op) => s[op].signed),
    ['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness'],
  );
});

test('TrivialAugmentWide magnitudes: the wide ranges (shear 0.99, 32 px, 135°, posterize down to 2 bits)', () => {
  const s = augmentationSpace('trivialaugment', 31, 64, 64);
  assert.equal(s.ShearX.magnitudes![30], 0.99);
  assert.equal(s.TranslateY.magnitudes![30], 32);
  assert.equal(s.Rotate.magnitudes![15], 67.5);
  assert.equal(s.Sharpness.magnitudes![30], 0.99);
  assert.equal(s.Posterize.magnitudes![30], 2);
  assert.equal(s.Posterize.magnitudes![2], 8);
  assert.equal(s.Posterize.magnitudes![3], 7);
});

test('RandAugment draws num_ops ops at the configured bin, signed ops with either sign; TrivialAugment one op at any bin', () => {
  const cfg = policy({ name: 'randaugment', num_ops: 3, magnitude: 20 });
  const space = augmentationSpace('randaugment', 31, 16, 16);
  const seenSigns = new Set<number>();
  for (let seed = 0; seed < 60; seed++) {
    const ops = drawPolicy(cfg, 16, 16, new Rng(seed));
    assert.equal(ops.length, 3);
    for (const { op, magnitude } of ops) {
      const m = space[op].magnitudes;
      assert.equal(Math.abs(magnitude), m ? Math.abs(m[20]) : 0);
      if (space[op].signed && magnitude !== 0) seenSigns.add(Math.sign(magnitude));
    }
  }
  assert.deepEqual([...seenSigns].sort(), [-1, 1]);
  const ta = policy({ name: 'trivialaugment' });
  const tspace = augmentationSpace('trivialaugment', 31, 16, 16);
  const ops = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const [one, ...rest] = drawPolicy(ta, 16, 16, new Rng(seed));
    assert.equal(rest.length, 0);
    ops.add(one.op);
    const m = tspace[one.op].magnitudes;
    assert.ok(m ? m.some((v) => Math.abs(v) === Math.abs(one.magnitude)) : one.magnitude === 0);
  }
  assert.equal(ops.size, 14, 'every op is drawn');
  assert.deepEqual(drawPolicy(cfg, 16, 16, new Rng(4)), drawPolicy(cfg, 16, 16, new Rng(4)));
});

test('translate moves by whole pixels (magnitude truncated) and fills with 0', () => {
  const h = 5,
    w = 6,
    img = image(h, w);
  const out = translate(img, h, w, 2.9, 0);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(at(out, w, y, x), x >= 2 ? at(img, w, y, x - 2) : 0);
  const up = translate(img, h, w, 0, -1.5);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(at(up, w, y, x, 2), y < h - 1 ? at(img, w, y + 1, x, 2) : 0);
});

test('rotate: 90° is counter-clockwise (out[i][j] = in[j][w−1−i]), 180° reverses both axes', () => {
  const n = 5,
    img = image(n, n);
  const r90 = rotate(img, n, n, 90);
  const r180 = rotate(img, n, n, 180);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      assert.equal(at(r90, n, i, j), at(img, n, j, n - 1 - i));
      assert.equal(at(r180, n, i, j), at(img, n, n - 1 - i, n - 1 - j));
    }
});

test("shearX by m samples x + m·(y + ½) from the top-left corner (torchvision's centre [0, 0]), nearest, zero outside", () => {
  const h = 6,
    w = 7,
    img = image(h, w),
    m = 0.3;
  const out = shearX(img, h, w, m);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sx = roundHalfEven(x + m * (y + 0.5));
      assert.equal(at(out, w, y, x, 1), sx < w ? at(img, w, y, sx, 1) : 0, `(${y}, ${x})`);
    }
});

test('colour ops: brightness, saturation, contrast and sharpness blend as torchvision does on uint8', () => {
  const h = 4,
    w = 4,
    img = image(h, w);
  // torch's float32 arithmetic: every product and sum rounded to float32.
  const f = Math.fround;
  const trunc = (v: number) => Math.max(0, Math.min(255, Math.trunc(v)));
  const blend = (r: number, a: number, b: number) => trunc(f(f(f(r) * a) + f(f(1 - r) * b)));
  assert.deepEqual(
    adjustBrightness(img, 1.3),
    img.map((v) => blend(1.3, v, 0)),
  );
  const gray = Array.from({ length: h * w }, (_, p) =>
    Math.trunc(f(f(f(f(0.2989) * img[p * 3]) + f(f(0.587) * img[p * 3 + 1])) + f(f(0.114) * img[p * 3 + 2]))),
  );
  assert.deepEqual(Array.from(grayscale(img)), gray);
  assert.deepEqual(
    adjustSaturation(img, 0),
    Uint8Array.from({ length: img.length }, (_, i) => gray[(i / 3) | 0]),
  );
  assert.deepEqual(adjustSaturation(img, 1), img);
  const mean = f(gray.reduce((a, b) => a + b, 0) / gray.length);
  assert.deepEqual(
    adjustContrast(img, 0.4),
    img.map((v) => blend(0.4, v, mean)),
  );
  const sharp = adjustSharpness(img, h, w, 0);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const border = y === 0 || x === 0 || y === h - 1 || x === w - 1;
      let s = 4 * at(img, w, y, x);
      if (!border) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += at(img, w, y + dy, x + dx);
      assert.equal(at(sharp, w, y, x), border ? at(img, w, y, x) : roundHalfEven(s / 13));
    }
  assert.deepEqual(adjustSharpness(img, h, w, 1), img);
});

test('posterize, solarize, autocontrast and equalize on fixed values', () => {
  assert.deepEqual(Array.from(posterize(Uint8Array.from([255, 17, 128, 3]), 3)), [224, 0, 128, 0]);
  assert.deepEqual(Array.from(solarize(Uint8Array.from([10, 127, 128, 200]), 127.5)), [10, 127, 127, 55]);
  // Channel 0 spans 50..150 → 0..255 (100·2.55 is 255 in float32, 254.999… in float64); channel 1 is constant and stays.
  const ac = autocontrast(Uint8Array.from([50, 9, 0, 100, 9, 128, 150, 9, 255]));
  assert.deepEqual(Array.from(ac), [0, 9, 0, 127, 9, 128, 255, 9, 255]);
  // One channel's histogram {0: 2, 100: 1, 200: 1}, others constant: step = ⌊3/255⌋ = 0 leaves it; 600 pixels make a step.
  const tiny = Uint8Array.from([0, 5, 5, 0, 5, 5, 100, 5, 5, 200, 5, 5]);
  assert.deepEqual(equalize(tiny), tiny);
  // 300 pixels at 10, 300 at 20, 100 at 30: step = ⌊(300 + 300)/255⌋ = 2, lut[v] = ⌊(cumsum[v − 1] + 1)/2⌋ clamped to 255.
  const n = 700;
  const big = new Uint8Array(n * 3).fill(7);
  for (let p = 0; p < n; p++) big[p * 3] = p < 300 ? 10 : p < 600 ? 20 : 30;
  const eq = equalize(big);
  assert.deepEqual([eq[0], eq[300 * 3], eq[600 * 3]], [0, 150, 255]);
  assert.equal(eq[1], 7, 'a constant channel is left as it is');
});

test("every op keeps the image's size and values, and Identity is a copy", () => {
  const h = 8,
    w = 8,
    img = image(h, w);
  const space = augmentationSpace('randaugment', 31, h, w);
  for (const op of POLICY_OPS) {
    const m = space[op].magnitudes;
    const out = applyPolicyOp(img, h, w, { op, magnitude: m ? m[15] : 0 });
    assert.equal(out.length, img.length, op);
  }
  const copy = applyPolicyOp(img, h, w, { op: 'Identity', magnitude: 0 });
  assert.deepEqual(copy, img);
  assert.notEqual(copy, img);
});

test('a magnitude outside the bins is refused naming augment.policy.magnitude', () => {
  for (const bad of [{ magnitude: 31 }, { magnitude: 5, num_magnitude_bins: 5 }, { magnitude: -1 }, { magnitude: 2.5 }]) {
    assert.throws(
      () => policy({ name: 'randaugment', ...bad }),
      (err: unknown) => err instanceof TinynetError && /augment\.policy\.magnitude/.test(err.message),
    );
  }
  assert.throws(() => policy({ name: 'autoaugment' }), /augment\.policy\.name/);
});
