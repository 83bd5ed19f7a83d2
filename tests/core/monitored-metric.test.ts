import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isImprovement, lowerIsBetter, MONITORED_METRICS } from '../../core/monitored-metric.js';
import { validateConfig } from '../../core/config/index.js';

test('one table says which way each monitored metric improves', () => {
  assert.deepEqual(MONITORED_METRICS.filter(lowerIsBetter), ['val/loss']);
  assert.equal(isImprovement('val/loss', 0.9, 1.0, 0.05), true);
  assert.equal(isImprovement('val/loss', 0.97, 1.0, 0.05), false);
  assert.equal(isImprovement('val/accuracy', 0.6, 0.5), true);
  assert.equal(isImprovement('val/f1', Number.NaN, null), false);
  assert.equal(isImprovement('val/top5', 0.1, null), true);
  assert.throws(() => lowerIsBetter('train/speed'), /not a monitored metric/);
  // The config accepts exactly the table's metrics, for train.monitor and grid.metric alike.
  for (const m of MONITORED_METRICS) assert.equal(validateConfig({ train: { monitor: m }, grid: { metric: m } }).config.train.monitor, m);
  assert.throws(() => validateConfig({ train: { monitor: 'val/speed' } }));
});
