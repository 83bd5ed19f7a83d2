/**
 * Percentile (symmetric, as onnxruntime's PercentileCalibrater by default): a histogram of |x|
 * with a fixed bin width, widened by whole bins when a later batch holds larger values; the
 * threshold is the bin edge where the cumulative share first reaches the percentile, and the range
 * [-t, t] is then narrowed to the values seen. The histogram starts at 0, so small values of later
 * batches are counted too.
 */
import { clipToSeen, minMaxOf, type Calibrator, type Range } from './calibrator.js';

interface AbsHistogram {
  counts: Float64Array;
  width: number;
  seen: Range;
}

export class PercentileCalibrator implements Calibrator {
  readonly method = 'percentile' as const;
  private readonly hists = new Map<string, AbsHistogram>();

  constructor(
    readonly percentile = 99.999,
    readonly bins = 2048,
  ) {
    if (!(percentile > 0 && percentile <= 100)) throw new Error(`percentile must be in (0, 100], got ${percentile}`);
  }

  observe(tensor: string, values: Float32Array): void {
    const seen = minMaxOf(values);
    const amax = Math.max(Math.abs(seen.min), Math.abs(seen.max));
    let h = this.hists.get(tensor);
    if (!h) {
      h = { counts: new Float64Array(this.bins), width: amax > 0 ? amax / this.bins : 1, seen };
      this.hists.set(tensor, h);
    } else {
      h.seen = { min: Math.min(h.seen.min, seen.min), max: Math.max(h.seen.max, seen.max) };
    }
    const need = Math.ceil(amax / h.width);
    if (need > h.counts.length) {
      const grown = new Float64Array(need);
      grown.set(h.counts);
      h.counts = grown;
    }
    const last = h.counts.length - 1;
    for (let i = 0; i < values.length; i++) h.counts[Math.min(last, Math.floor(Math.abs(values[i]) / h.width))]++;
  }

  ranges(): Map<string, Range> {
    const out = new Map<string, Range>();
    for (const [tensor, h] of this.hists) {
      const total = h.counts.reduce((a, b) => a + b, 0);
      const target = this.percentile / 100;
      let cum = 0;
      let idx = h.counts.length - 1;
      for (let i = 0; i < h.counts.length; i++) {
        cum += h.counts[i] / total;
        if (cum >= target) {
          idx = i;
          break;
        }
      }
      // The upper edge of the bin where the share is reached: that bin's values stay inside.
      const t = (idx + 1) * h.width;
      out.set(tensor, clipToSeen({ min: -t, max: t }, h.seen));
    }
    return out;
  }
}
