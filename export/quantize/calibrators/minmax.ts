/** MinMax: the smallest and largest value seen over all calibration batches. */
import { minMaxOf, type Calibrator, type Range } from './calibrator.js';

export class MinMaxCalibrator implements Calibrator {
  readonly method = 'minmax' as const;
  private readonly seen = new Map<string, Range>();

  observe(tensor: string, values: Float32Array): void {
    const r = minMaxOf(values);
    const old = this.seen.get(tensor);
    this.seen.set(tensor, old ? { min: Math.min(old.min, r.min), max: Math.max(old.max, r.max) } : r);
  }

  ranges(): Map<string, Range> {
    return new Map(this.seen);
  }
}
