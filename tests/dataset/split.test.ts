import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit } from '../../dataset/index.js';
import { testCountFor } from '../../dataset/split.js';

// Tiny ImageNet-like: rows grouped by class, uneven class sizes to exercise rounding.
const sizes = [500, 500, 37, 12, 3];
const labels = Int32Array.from(sizes.flatMap((n, c) => Array(n).fill(c)));

test('exact per-class test counts: round(n × ratio), the rest in train, no overlap, nothing lost', () => {
  const { train, test: testRows } = stratifiedSplit(labels, sizes.length, 0.1, 42);
  const count = (rows: Int32Array, c: number) => rows.filter((i) => labels[i] === c).length;
  sizes.forEach((n, c) => {
    assert.equal(count(testRows, c), Math.round(n * 0.1), `class ${c}`);
    assert.equal(count(train, c), n - Math.round(n * 0.1));
  });
  const all = new Set([...train, ...testRows]);
  assert.equal(all.size, labels.length);
  assert.equal(train.length + testRows.length, labels.length);
  assert.deepEqual([...testRows], [...testRows].sort((a, b) => a - b), 'source order kept');
});

test('same seed → same split; another seed → another split', () => {
  const a = stratifiedSplit(labels, sizes.length, 0.1, 42);
  const b = stratifiedSplit(labels, sizes.length, 0.1, 42);
  const c = stratifiedSplit(labels, sizes.length, 0.1, 43);
  assert.deepEqual(a.test, b.test);
  assert.deepEqual(a.train, b.train);
  assert.notDeepEqual(a.test, c.test);
});

test('a class of one image stays in train', () => {
  assert.equal(testCountFor(1, 0.5), 0);
  assert.equal(testCountFor(500, 0.1), 50);
});
