/**
 * The three calibration methods on distributions whose answer is known: MinMax is exact over
 * batches; percentile matches the sorted-sample quantile of |x| within one histogram bin;
 * entropy keeps the whole range of a uniform distribution, ignores rare outliers that MinMax
 * follows, and clips a Gaussian's tail; ReLU-like data keeps min 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { EntropyCalibrator, MinMaxCalibrator, PercentileCalibrator, createCalibrator } from '../../export/quantize/calibrators/index.js';
import { klDivergence, smoothDistribution } from '../../export/quantize/calibrators/entropy.js';

const rng = new Rng(42);
const gaussian = (n: number, sigma = 1) => Float32Array.from({ length: n }, () => rng.normal() * sigma);
const uniform = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));

const absMax = (xs: Float32Array) => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
/** Share of all values with |x| ≤ t. */
const shareWithin = (batches: Float32Array[], t: number) => {
  let inside = 0;
  let all = 0;
  for (const b of batches) {
    for (const v of b) {
      all++;
      if (Math.abs(v) <= t) inside++;
    }
  }
  return inside / all;
};

test('minmax: the extremes over all batches', () => {
  const c = new MinMaxCalibrator();
  c.observe('t', Float32Array.of(-1, 2, 0.5));
  c.observe('t', Float32Array.of(-3, 1));
  c.observe('u', Float32Array.of(4));
  assert.deepEqual(c.ranges().get('t'), { min: -3, max: 2 });
  assert.deepEqual(c.ranges().get('u'), { min: 4, max: 4 });
});

test('percentile: the smallest bin edge holding the share of |x|, over batches that widen the histogram', () => {
  for (const p of [99, 99.9, 99.99]) {
    const c = new PercentileCalibrator(p, 2048);
    const batches = [gaussian(50_000, 1), gaussian(50_000, 2), gaussian(50_000, 1)];
    for (const b of batches) c.observe('t', b);
    const r = c.ranges().get('t')!;
    const bin = absMax(batches[0]) / 2048;
    assert.ok(shareWithin(batches, r.max) >= p / 100 - 1e-9, `p${p}: ${r.max} holds ${shareWithin(batches, r.max)}`);
    assert.ok(shareWithin(batches, r.max - bin * 1.01) < p / 100 - 1e-9, `p${p}: one bin lower (${r.max - bin}) would do`);
    assert.equal(r.min, -r.max);
  }
});

test('percentile and entropy keep min 0 for ReLU-like values', () => {
  for (const c of [new PercentileCalibrator(99.9), new EntropyCalibrator(512)]) {
    c.observe(
      'relu',
      Float32Array.from(gaussian(20_000), (v) => Math.max(0, v)),
    );
    const r = c.ranges().get('relu')!;
    assert.equal(r.min, 0, c.method);
    assert.ok(r.max > 1 && r.max < 5, `${c.method}: ${r.max}`);
  }
});

test('entropy: a uniform distribution keeps (almost) its whole range', () => {
  const c = new EntropyCalibrator(2048);
  c.observe('t', uniform(100_000, -1, 1));
  const r = c.ranges().get('t')!;
  assert.ok(r.max > 0.95 && r.max <= 1, `max ${r.max}`);
  assert.ok(r.min < -0.95 && r.min >= -1, `min ${r.min}`);
});

test('entropy: rare outliers are cut where MinMax follows them; a Gaussian tail is clipped', () => {
  const values = gaussian(100_000, 1);
  for (let i = 0; i < 5; i++) values[i * 1000] = 50 + i;
  const e = new EntropyCalibrator(2048);
  const m = new MinMaxCalibrator();
  e.observe('t', values);
  m.observe('t', values);
  assert.equal(m.ranges().get('t')!.max, 54);
  const r = e.ranges().get('t')!;
  assert.ok(r.max > 2 && r.max < 10, `entropy max ${r.max}`);

  const g = new EntropyCalibrator(2048);
  const normal = gaussian(200_000, 1);
  g.observe('t', normal);
  const seen = absMax(normal);
  const t = g.ranges().get('t')!.max;
  assert.ok(t > 2 && t < seen, `gaussian threshold ${t}, largest |x| ${seen}`);
});

test('entropy: widening the histogram across batches keeps earlier counts', () => {
  const a = gaussian(50_000, 1);
  const b = gaussian(50_000, 3);
  const split = new EntropyCalibrator(1024);
  split.observe('t', a);
  split.observe('t', b);
  const whole = new EntropyCalibrator(1024);
  const both = new Float32Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  whole.observe('t', both);
  const r1 = split.ranges().get('t')!;
  const r2 = whole.ranges().get('t')!;
  assert.ok(Math.abs(r1.max - r2.max) / r2.max < 0.1, `split ${r1.max} vs whole ${r2.max}`);
});

test('KL pieces: smoothing moves eps to empty bins, KL of equal distributions is 0', () => {
  const s = smoothDistribution(Float64Array.of(0, 4, 0, 4))!;
  assert.deepEqual(Array.from(s), [0.0001, 4 - 0.0001, 0.0001, 4 - 0.0001]);
  assert.equal(smoothDistribution(Float64Array.of(0, 0)), null);
  assert.equal(klDivergence(Float64Array.of(1, 2, 3), Float64Array.of(2, 4, 6)), 0);
  assert.ok(klDivergence(Float64Array.of(1, 0, 1), Float64Array.of(1, 1, 1)) > 0);
  assert.equal(createCalibrator('percentile', { percentile: 99 }).method, 'percentile');
  assert.throws(() => new PercentileCalibrator(0), /percentile must be in/);
});
