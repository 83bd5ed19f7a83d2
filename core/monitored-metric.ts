/**
 * The metrics that can pick best.ckpt, stop training early or rank grid trials, each with the
 * direction that counts as better (Lightning's `mode`): the one place that says a loss goes down.
 */
export const METRIC_MODE = {
  'val/accuracy': 'max',
  'val/loss': 'min',
  'val/f1': 'max',
  'val/top5': 'max',
} as const;

export type MonitoredMetric = keyof typeof METRIC_MODE;

export const MONITORED_METRICS = Object.keys(METRIC_MODE) as [MonitoredMetric, ...MonitoredMetric[]];

/** Takes a plain string for callers holding a validated config value; a name not in the table is a bug. */
export function lowerIsBetter(metric: MonitoredMetric | string): boolean {
  const mode = (METRIC_MODE as Record<string, 'min' | 'max'>)[metric];
  if (!mode) throw new Error(`"${metric}" is not a monitored metric (${MONITORED_METRICS.join(', ')})`);
  return mode === 'min';
}

/** Whether `value` beats `best` by more than `minDelta` in the metric's direction; non-finite never does. */
export function isImprovement(metric: MonitoredMetric, value: number, best: number | null, minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return lowerIsBetter(metric) ? value < best - minDelta : value > best + minDelta;
}
