import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { validateConfig, type AugmentConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { drawErase, eraseBox } from '../../dataset/erasing.js';
import { roundHalfEven } from '../../dataset/policy/round.js';

const erasing = (e: Record<string, unknown>): AugmentConfig['random_erasing'] =>
  validateConfig({ augment: { random_erasing: e } }).config.augment.random_erasing;

test('boxes: area and aspect ratio from the asked ranges (rounded as torchvision does), strictly inside the image', () => {
  const cfg = erasing({ prob: 1, scale: [0.05, 0.2], ratio: [0.5, 2] });
  const h = 32,
    w = 40;
  let drawn = 0;
  for (let seed = 0; seed < 300; seed++) {
    const box = drawErase(h, w, cfg, new Rng(seed));
    if (!box) continue;
    drawn++;
    assert.ok(box.height < h && box.width < w && box.top >= 0 && box.left >= 0 && box.top + box.height <= h && box.left + box.width <= w);
    // Rounding moves each side by at most ½ px, so the area and ratio stay within these bounds.
    const area = (box.height * box.width) / (h * w);
    const lo = ((Math.sqrt(0.05 * h * w * 0.5) - 0.5) * (Math.sqrt((0.05 * h * w) / 2) - 0.5)) / (h * w);
    assert.ok(area >= lo - 1e-9 && area <= ((Math.sqrt(0.2 * h * w * 2) + 0.5) * (Math.sqrt(0.2 * h * w * 2) + 0.5)) / (h * w));
    // The same draws by hand: p, area, log-ratio, then the corner.
    const rng = new Rng(seed);
    rng.next();
    const target = h * w * rng.uniform(0.05, 0.2);
    const ar = Math.exp(rng.uniform(Math.log(0.5), Math.log(2)));
    assert.equal(box.height, roundHalfEven(Math.sqrt(target * ar)));
    assert.equal(box.width, roundHalfEven(Math.sqrt(target / ar)));
  }
  assert.ok(drawn > 250, `${drawn} boxes of 300`);
});

test('prob 0 never erases, prob 0.5 about half the time; a box that can never fit erases nothing', () => {
  assert.ok(Array.from({ length: 50 }, (_, s) => drawErase(16, 16, erasing({ prob: 0 }), new Rng(s))).every((b) => b === null));
  const half = Array.from({ length: 400 }, (_, s) => drawErase(16, 16, erasing({ prob: 0.5 }), new Rng(s))).filter(Boolean).length;
  assert.ok(half > 150 && half < 250, `${half} of 400`);
  assert.equal(drawErase(16, 16, erasing({ prob: 1, scale: [1, 1], ratio: [1, 1] }), new Rng(1)), null);
});

test('erasing writes the value (or normal draws) inside the box only', () => {
  const h = 6,
    w = 5;
  const x = new Float32Array(2 * h * w * 3).fill(9);
  const box = { top: 1, left: 2, height: 3, width: 2 };
  eraseBox(x, h * w * 3, w, box, -1.5, new Rng(1));
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let c = 0; c < 3; c++) {
        const inside = y >= 1 && y < 4 && xx >= 2 && xx < 4;
        assert.equal(x[(y * w + xx) * 3 + c], 9, 'the first image is untouched');
        assert.equal(x[h * w * 3 + (y * w + xx) * 3 + c], inside ? -1.5 : 9);
      }
  const r = new Float32Array(h * w * 3);
  eraseBox(r, 0, w, box, 'random', new Rng(2));
  const values = Array.from(r).filter((v) => v !== 0);
  assert.equal(values.length, 3 * 2 * 3);
  assert.equal(new Set(values).size, values.length, 'one draw per pixel and channel');
});

test('bad erasing settings are refused naming the key', () => {
  for (const [bad, key] of [
    [{ prob: 1.2 }, 'prob'],
    [{ scale: [0, 0.3] }, 'scale'],
    [{ scale: [0.2, 1.5] }, 'scale'],
    [{ ratio: [-1, 2] }, 'ratio'],
    [{ value: 'noise' }, 'value'],
  ] as const) {
    assert.throws(
      () => erasing(bad),
      (err: unknown) => err instanceof TinynetError && err.message.includes(`augment.random_erasing.${key}`),
      key,
    );
  }
});
