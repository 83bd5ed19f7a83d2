/**
 * Entropy (KL divergence, TensorRT's method as onnxruntime's EntropyCalibrater defines it): a
 * histogram of x over [-T, T] (T the largest |x| seen, widened symmetrically by whole bins when a
 * later batch goes further); for every symmetric window around the zero bin, from
 * `quantizedBins` bins wide to the whole histogram, the reference distribution P is the window
 * with the outside counts folded into its edge bins, Q is the window merged into `quantizedBins`
 * levels and spread back evenly over the bins P has non-empty, both smoothed; the window with the
 * smallest KL(P‖Q) gives the range, narrowed to the values seen.
 */
import { clipToSeen, minMaxOf, type Calibrator, type Range } from './calibrator.js';

interface ValueHistogram {
  counts: Float64Array;
  /** Histogram covers [-threshold, threshold]. */
  threshold: number;
  seen: Range;
}

/** Add `values` to a histogram over [-threshold, threshold] (the top edge falls in the last bin, as in numpy). */
function accumulate(counts: Float64Array, threshold: number, values: Float32Array): void {
  const n = counts.length;
  const width = (2 * threshold) / n;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < -threshold || v > threshold) continue;
    counts[Math.min(n - 1, Math.floor((v + threshold) / width))]++;
  }
}

/** Move zero mass to the empty bins (eps each), taken evenly from the non-empty ones; null when all are empty. */
export function smoothDistribution(p: Float64Array, eps = 0.0001): Float64Array | null {
  let zeros = 0;
  for (const v of p) if (v === 0) zeros++;
  const nonzeros = p.length - zeros;
  if (nonzeros === 0) return null;
  const eps1 = (eps * zeros) / nonzeros;
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] === 0 ? eps : p[i] - eps1;
  // A non-empty bin smaller than its share of the eps mass cannot be smoothed this way.
  for (const v of out) if (v <= 0) return null;
  return out;
}

/** KL(p‖q) of two unnormalized distributions (normalized here, as scipy.stats.entropy does). */
export function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    const pi = p[i] / sp;
    kl += pi * Math.log(pi / (q[i] / sq));
  }
  return kl;
}

/** The [lo, hi] window (in bin edges) with the smallest KL divergence; see the file comment. */
export function entropyThreshold(counts: Float64Array, threshold: number, quantizedBins: number): Range {
  const n = counts.length;
  const width = (2 * threshold) / n;
  const edge = (i: number) => -threshold + i * width;
  const zero = Math.floor(n / 2);
  const half = Math.floor(quantizedBins / 2);
  let best = { kl: Infinity, range: { min: -threshold, max: threshold } };
  for (let i = half; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(n, zero + i + 1);
    const sliced = counts.subarray(start, end);
    const p = Float64Array.from(sliced);
    let left = 0;
    for (let k = 0; k < start; k++) left += counts[k];
    let right = 0;
    for (let k = end; k < n; k++) right += counts[k];
    p[0] += left;
    p[p.length - 1] += right;

    const merged = Math.floor(sliced.length / quantizedBins);
    const q = new Float64Array(p.length);
    for (let b = 0; b < quantizedBins; b++) {
      const from = b * merged;
      const to = b === quantizedBins - 1 ? sliced.length : from + merged;
      let sum = 0;
      let nonzero = 0;
      for (let k = from; k < to; k++) {
        sum += sliced[k];
        if (p[k] !== 0) nonzero++;
      }
      if (nonzero === 0) continue;
      for (let k = from; k < to; k++) if (p[k] !== 0) q[k] = sum / nonzero;
    }
    const ps = smoothDistribution(p);
    const qs = smoothDistribution(q);
    const kl = ps && qs ? klDivergence(ps, qs) : Infinity;
    if (kl < best.kl) best = { kl, range: { min: edge(start), max: edge(end) } };
  }
  return best.range;
}

export class EntropyCalibrator implements Calibrator {
  readonly method = 'entropy' as const;
  private readonly hists = new Map<string, ValueHistogram>();

  constructor(
    readonly bins = 2048,
    readonly quantizedBins = 128,
  ) {
    if (bins < quantizedBins) throw new Error(`entropy calibration needs at least ${quantizedBins} histogram bins, got ${bins}`);
  }

  observe(tensor: string, values: Float32Array): void {
    const seen = minMaxOf(values);
    const t = Math.max(Math.abs(seen.min), Math.abs(seen.max));
    const h = this.hists.get(tensor);
    if (!h) {
      const counts = new Float64Array(this.bins);
      accumulate(counts, t, values);
      this.hists.set(tensor, { counts, threshold: t, seen });
      return;
    }
    h.seen = { min: Math.min(h.seen.min, seen.min), max: Math.max(h.seen.max, seen.max) };
    if (t > h.threshold) {
      if (h.threshold === 0) {
        h.threshold = t;
      } else {
        // Widen by whole bins on both sides so the old counts keep their bins.
        const stride = (2 * h.threshold) / h.counts.length;
        const extra = Math.floor((t - h.threshold) / stride) + 1;
        const grown = new Float64Array(h.counts.length + 2 * extra);
        grown.set(h.counts, extra);
        h.counts = grown;
        h.threshold += extra * stride;
      }
    }
    accumulate(h.counts, h.threshold, values);
  }

  ranges(): Map<string, Range> {
    const out = new Map<string, Range>();
    for (const [tensor, h] of this.hists) {
      const r = h.threshold > 0 ? entropyThreshold(h.counts, h.threshold, this.quantizedBins) : { min: 0, max: 0 };
      out.set(tensor, clipToSeen(r, h.seen));
    }
    return out;
  }
}
