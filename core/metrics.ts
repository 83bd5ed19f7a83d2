/**
 * Classification metrics from logits/probabilities and integer labels. Plain arrays in, plain
 * numbers out, so the trainer (TensorFlow.js), evaluate (onnxruntime) and tests share one definition.
 */

export interface ClassificationReport {
  count: number;
  accuracy: number;
  top5: number;
  macroF1: number;
  perClass: Array<{ index: number; precision: number; recall: number; f1: number; support: number }>;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

/** Indices of the k largest scores of row `row` in a row-major [n, numClasses] array. */
export function topKIndices(scores: ArrayLike<number>, row: number, numClasses: number, k: number): number[] {
  const base = row * numClasses;
  const best: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const v = scores[base + c];
    let pos = best.length;
    while (pos > 0 && scores[base + best[pos - 1]] < v) pos--;
    if (pos < k) {
      best.splice(pos, 0, c);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** Accumulates predictions batch by batch, then reports. */
export class MetricsAccumulator {
  private readonly confusion: number[][];
  private count = 0;
  private top1Hits = 0;
  private top5Hits = 0;

  constructor(readonly numClasses: number) {
    this.confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }

  /** `scores`: row-major [labels.length, numClasses] logits or probabilities. */
  add(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
    const k = Math.min(5, this.numClasses);
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      const top = topKIndices(scores, i, this.numClasses, k);
      this.confusion[label][top[0]] += 1;
      if (top[0] === label) this.top1Hits += 1;
      if (top.includes(label)) this.top5Hits += 1;
      this.count += 1;
    }
  }

  /** Add hard predictions (baselines): top-5 counts a hit only when the single prediction is right. */
  addPredictions(predicted: ArrayLike<number>, labels: ArrayLike<number>): void {
    for (let i = 0; i < labels.length; i++) {
      this.confusion[labels[i]][predicted[i]] += 1;
      if (predicted[i] === labels[i]) {
        this.top1Hits += 1;
        this.top5Hits += 1;
      }
      this.count += 1;
    }
  }

  report(): ClassificationReport {
    const n = this.numClasses;
    const perClass = [];
    let f1Sum = 0;
    let present = 0;
    for (let c = 0; c < n; c++) {
      const tp = this.confusion[c][c];
      let predicted = 0;
      let support = 0;
      for (let j = 0; j < n; j++) {
        predicted += this.confusion[j][c];
        support += this.confusion[c][j];
      }
      const precision = predicted > 0 ? tp / predicted : 0;
      const recall = support > 0 ? tp / support : 0;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      perClass.push({ index: c, precision, recall, f1, support });
      // Macro-F1 over classes that occur in the labels or the predictions (sklearn's convention).
      if (support > 0 || predicted > 0) {
        f1Sum += f1;
        present += 1;
      }
    }
    return {
      count: this.count,
      accuracy: this.count ? this.top1Hits / this.count : 0,
      top5: this.count ? this.top5Hits / this.count : 0,
      macroF1: present ? f1Sum / present : 0,
      perClass,
      confusion: this.confusion.map((row) => [...row]),
    };
  }
}

/** The most confused (true, predicted) pairs, off the diagonal, largest first. */
export function mostConfusedPairs(confusion: number[][], limit = 10): Array<{ true: number; predicted: number; count: number }> {
  const pairs = [];
  for (let t = 0; t < confusion.length; t++) {
    for (let p = 0; p < confusion.length; p++) {
      if (t !== p && confusion[t][p] > 0) pairs.push({ true: t, predicted: p, count: confusion[t][p] });
    }
  }
  return pairs.sort((a, b) => b.count - a.count).slice(0, limit);
}

/** Softmax cross-entropy of logits row-major [n, c] against integer labels, averaged. */
export function crossEntropy(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const base = i * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[base + c] - max);
    total += Math.log(sum) + max - logits[base + labels[i]];
  }
  return labels.length ? total / labels.length : 0;
}
