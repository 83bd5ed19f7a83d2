import type { Callback } from '../loop/callback.js';
import { isImprovement } from '../../core/monitored-metric.js';
import type { MonitorKey } from '../types.js';

export interface EarlyStoppingOptions {
  monitor: MonitorKey;
  patience: number;
  minDelta: number;
}

/** Stops when `monitor` has not improved by more than `minDelta` for `patience` epochs. */
export function earlyStopping(opts: EarlyStoppingOptions): Callback {
  let best: number | null = null;
  let wait = 0;
  return {
    name: 'early_stopping',
    onEpochEnd(ctx, metrics) {
      const value = metrics[opts.monitor];
      if (isImprovement(opts.monitor, value, best, opts.minDelta)) {
        best = value;
        wait = 0;
        return;
      }
      wait += 1;
      if (wait >= opts.patience) {
        ctx.requestStop('early_stopping', `early stopping: ${opts.monitor} has not improved on ${best} for ${wait} epochs`);
      }
    },
    getState: () => ({ best, wait }),
    setState(state) {
      const s = state as { best: number | null; wait: number };
      best = s.best;
      wait = s.wait;
    },
  };
}
