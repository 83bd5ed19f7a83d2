import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit } from '../../dataset/index.js';
import { testCounts } from '../../dataset/split.js';

// Tiny ImageNet-like: rows grouped by class, uneven class sizes to exercise the remainders.
const sizes = [500, 500, 37, 12, 3];
const labels = Int32Array.from(sizes.flatMap((n, c) => Array(n).fill(c)));

test('2,000 images at 0.1 → 200 test images, spread by largest remainder (per-class rounding gave 201)', () => {
  // Shares 66.5, 66.5, 67: floors 199, the one image left goes to the first of the tied halves.
  assert.deepEqual(testCounts([665, 665, 670], 0.1), [67, 66, 67]);
  const rows = Int32Array.from([665, 665, 670].flatMap((n, c) => Array(n).fill(c)));
  assert.equal(stratifiedSplit(rows, 3, 0.1, 42).test.length, 200);
});

test('ceil(ratio × n) overall, every class within one image of its share, at least one left in train', () => {
  const counts = testCounts(sizes, 0.1);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    Math.ceil(0.1 * 1052),
  );
  counts.forEach((k, c) => {
    assert.ok(Math.abs(k - sizes[c] * (106 / 1052)) < 1, `class ${c}: ${k}`);
  });
  assert.deepEqual(testCounts([1, 1, 1], 0.5), [0, 0, 0]);
  assert.deepEqual(testCounts([2, 1, 1], 0.9), [1, 0, 0]);
  // 0.7 × 10 is 7.000000000000001 in floating point: still 7.
  assert.equal(testCounts([10], 0.7)[0], 7);
});

test('the split follows the counts: no overlap, nothing lost, source order kept', () => {
  const counts = testCounts(sizes, 0.1);
  const { train, test: testRows } = stratifiedSplit(labels, sizes.length, 0.1, 42);
  const count = (rows: Int32Array, c: number) => rows.filter((i) => labels[i] === c).length;
  sizes.forEach((n, c) => {
    assert.equal(count(testRows, c), counts[c], `class ${c}`);
    assert.equal(count(train, c), n - counts[c]);
  });
  const all = new Set([...train, ...testRows]);
  assert.equal(all.size, labels.length);
  assert.equal(train.length + testRows.length, labels.length);
  assert.deepEqual(
    [...testRows],
    [...testRows].sort((a, b) => a - b),
    'source order kept',
  );
});

test('same seed → same split; another seed → another split', () => {
  const a = stratifiedSplit(labels, sizes.length, 0.1, 42);
  const b = stratifiedSplit(labels, sizes.length, 0.1, 42);
  const c = stratifiedSplit(labels, sizes.length, 0.1, 43);
  assert.deepEqual(a.test, b.test);
  assert.deepEqual(a.train, b.train);
  assert.notDeepEqual(a.test, c.test);
});
