import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsAccumulator, topKIndices, mostConfusedPairs, crossEntropy } from '../../core/metrics.js';

test('top-k picks the largest scores in order', () => {
  assert.deepEqual(topKIndices([0.1, 0.5, 0.2, 0.9, 0.0], 0, 5, 3), [3, 1, 2]);
  assert.deepEqual(topKIndices([9, 9, 1, 2, 3, 0], 1, 3, 2), [1, 0]);
});

test('accuracy, top-5, macro-F1 and confusion match a hand computation', () => {
  const m = new MetricsAccumulator(3);
  // predictions: 0→0, 0→1, 1→1, 2→1
  m.add([1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0], [0, 0, 1, 2]);
  const r = m.report();
  assert.equal(r.count, 4);
  assert.equal(r.accuracy, 0.5);
  assert.equal(r.top5, 1);
  assert.deepEqual(r.confusion, [
    [1, 1, 0],
    [0, 1, 0],
    [0, 1, 0],
  ]);
  // class 0: p=1 r=.5 f1=2/3; class 1: p=1/3 r=1 f1=.5; class 2: 0 → macro = (2/3+.5+0)/3
  assert.ok(Math.abs(r.macroF1 - (2 / 3 + 0.5) / 3) < 1e-12);
  assert.deepEqual(mostConfusedPairs(r.confusion, 1), [{ true: 0, predicted: 1, count: 1 }]);
});

test('hard predictions (baselines) count top-5 only on exact hits', () => {
  const m = new MetricsAccumulator(4);
  m.addPredictions([0, 0, 0, 0], [0, 1, 2, 3]);
  const r = m.report();
  assert.equal(r.accuracy, 0.25);
  assert.equal(r.top5, 0.25);
});

test('cross-entropy of uniform logits is ln(C)', () => {
  assert.ok(Math.abs(crossEntropy(new Array(20).fill(0), [0, 1], 10) - Math.log(10)) < 1e-12);
});
