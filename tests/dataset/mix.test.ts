import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { validateConfig, type AugmentConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { cutmixBox, drawMixParams, mixImages, mixTargets } from '../../dataset/mix.js';

const mixConfig = (mix: Record<string, unknown>, train: Record<string, unknown> = {}): AugmentConfig['mix'] =>
  validateConfig({ augment: { mix }, train }).config.augment.mix;

const configError = (raw: Record<string, unknown>): string => {
  try {
    validateConfig(raw);
  } catch (err) {
    assert.ok(err instanceof TinynetError);
    return err.message;
  }
  assert.fail('the config was accepted');
};

test("Beta(α, α) draws have the distribution's mean and variance", () => {
  for (const alpha of [0.2, 1, 2]) {
    const rng = new Rng(5);
    const n = 40000;
    const xs = Array.from({ length: n }, () => rng.beta(alpha, alpha));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    assert.ok(xs.every((x) => x >= 0 && x <= 1));
    assert.ok(Math.abs(mean - 0.5) < 0.01, `α ${alpha}: mean ${mean}`);
    const want = 1 / (4 * (2 * alpha + 1));
    assert.ok(Math.abs(variance - want) < 0.05 * want, `α ${alpha}: variance ${variance} vs ${want}`);
  }
});

test('targets: λ·onehot(y) + (1 − λ)·onehot(reversed y), smoothed with off = s/K and on = 1 − s + s/K', () => {
  const labels = Int32Array.from([0, 2, 1]);
  const t = mixTargets(labels, 4, 0.75, 0.2);
  const off = 0.05,
    on = 0.85;
  const row = (own: number, other: number) => [0, 1, 2, 3].map((k) => (k === own ? on : off) * 0.75 + (k === other ? on : off) * 0.25);
  const want = [row(0, 1), row(2, 2), row(1, 0)].flat();
  want.forEach((v, i) => {
    assert.ok(Math.abs(t[i] - v) < 1e-6, `target ${i}: ${t[i]} vs ${v}`);
  });
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(t.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-6);
});

test("mixup: each image becomes λ·itself + (1 − λ)·its partner in the reversed batch; an odd batch's middle image is left alone", () => {
  const n = 3,
    h = 2,
    w = 2,
    px = h * w * 3;
  const x = Float32Array.from({ length: n * px }, (_, i) => i);
  const before = x.slice();
  mixImages(x, n, h, w, { lam: 0.3, mode: 'mixup', box: null });
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < px; p++) {
      const want = 0.3 * before[i * px + p] + 0.7 * before[(n - 1 - i) * px + p];
      assert.ok(Math.abs(x[i * px + p] - want) < 1e-4);
    }
  }
});

test("CutMix: the box is pasted from the partner, λ is the share of the image left, the box is timm's rand_bbox", () => {
  const cfg = mixConfig({ cutmix_alpha: 1 });
  const h = 10,
    w = 16;
  for (let seed = 0; seed < 50; seed++) {
    const params = drawMixParams(h, w, cfg, new Rng(seed));
    assert.equal(params.mode, 'cutmix');
    const [y0, y1, x0, x1] = params.box!;
    assert.ok(0 <= y0 && y0 <= y1 && y1 <= h && 0 <= x0 && x0 <= x1 && x1 <= w);
    assert.ok(Math.abs(params.lam - (1 - ((y1 - y0) * (x1 - x0)) / (h * w))) < 1e-12);
    // The same draws by hand: prob, then λ ~ Beta, then the centre.
    const rng = new Rng(seed);
    rng.next();
    const lam = rng.beta(1, 1);
    const cutH = Math.trunc(h * Math.sqrt(1 - lam)),
      cutW = Math.trunc(w * Math.sqrt(1 - lam));
    const cy = rng.int(h),
      cx = rng.int(w);
    const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
    assert.deepEqual(params.box, [
      clip(cy - Math.floor(cutH / 2), h),
      clip(cy + Math.floor(cutH / 2), h),
      clip(cx - Math.floor(cutW / 2), w),
      clip(cx + Math.floor(cutW / 2), w),
    ]);
  }
  const n = 2,
    px = h * w * 3;
  const x = Float32Array.from({ length: n * px }, (_, i) => (i < px ? 1 : 2));
  const box: [number, number, number, number] = [2, 5, 3, 9];
  mixImages(x, n, h, w, { lam: 1 - 18 / 160, mode: 'cutmix', box });
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++) {
      const inside = y >= 2 && y < 5 && xx >= 3 && xx < 9;
      assert.equal(x[(y * w + xx) * 3], inside ? 2 : 1);
      assert.equal(x[px + (y * w + xx) * 3], inside ? 1 : 2);
    }
  assert.deepEqual(
    cutmixBox(4, 4, 0, new Rng(1)).map((v) => v >= 0 && v <= 4),
    [true, true, true, true],
  );
});

test('prob 0 never mixes; with both alphas, switch_prob picks CutMix (1) or mixup (0)', () => {
  assert.equal(drawMixParams(8, 8, mixConfig({ mixup_alpha: 1, prob: 0 }), new Rng(1)).mode, 'none');
  assert.equal(drawMixParams(8, 8, mixConfig({ mixup_alpha: 1, prob: 0 }), new Rng(1)).lam, 1);
  for (let seed = 0; seed < 20; seed++) {
    assert.equal(drawMixParams(8, 8, mixConfig({ mixup_alpha: 1, cutmix_alpha: 1, switch_prob: 1 }), new Rng(seed)).mode, 'cutmix');
    assert.equal(drawMixParams(8, 8, mixConfig({ mixup_alpha: 1, cutmix_alpha: 1, switch_prob: 0 }), new Rng(seed)).mode, 'mixup');
  }
  const modes = Array.from({ length: 400 }, (_, s) => drawMixParams(8, 8, mixConfig({ mixup_alpha: 1, cutmix_alpha: 1 }), new Rng(s)).mode);
  const cut = modes.filter((m) => m === 'cutmix').length;
  assert.ok(cut > 150 && cut < 250, `${cut} of 400 CutMix at switch_prob 0.5`);
});

test('bad mix settings are refused naming the key', () => {
  assert.match(configError({ augment: { mix: { mixup_alpha: 0 } } }), /augment\.mix\.mixup_alpha/);
  assert.match(configError({ augment: { mix: { cutmix_alpha: -1 } } }), /augment\.mix\.cutmix_alpha/);
  assert.match(configError({ augment: { mix: { mixup_alpha: 1, prob: 1.5 } } }), /augment\.mix\.prob/);
  assert.match(configError({ augment: { mix: { mixup_alpha: 1, switch_prob: -0.1 } } }), /augment\.mix\.switch_prob/);
  assert.match(configError({ augment: { mix: { mixup_alpha: 1 } }, train: { batch_size: 1 } }), /train\.batch_size.*≥ 2/);
  assert.match(configError({ augment: { mix: { mixup_alpha: 1 } }, train: { label_smoothing: 0.1 } }), /train\.label_smoothing/);
  // Mixing off: batch size 1 and train.label_smoothing are fine.
  validateConfig({ train: { batch_size: 1, label_smoothing: 0.1 } });
});
