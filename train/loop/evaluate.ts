import * as tf from '@tensorflow/tfjs';
import { MetricsAccumulator, crossEntropy, type ClassificationReport } from '../../core/metrics.js';
import type { Batch } from '../data/provider.js';
import { disposeBatch } from '../../dataset/index.js';

export interface Evaluation {
  /** Plain cross-entropy (no label smoothing), mean over samples. */
  loss: number;
  report: ClassificationReport;
}

/** Score batches with core/metrics, given how an engine turns a batch into logits [B, numClasses]. */
export async function scoreBatches(
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  numClasses: number,
  logitsOf: (batch: Batch) => Promise<Float32Array>,
): Promise<Evaluation> {
  const acc = new MetricsAccumulator(numClasses);
  let lossSum = 0;
  let n = 0;
  for await (const batch of batches) {
    let scores: Float32Array;
    let labels: Int32Array;
    try {
      scores = await logitsOf(batch);
      labels = (await batch.y.data()) as Int32Array;
    } finally {
      disposeBatch(batch);
    }
    acc.add(scores, labels);
    lossSum += crossEntropy(scores, labels, numClasses) * labels.length;
    n += labels.length;
  }
  return { loss: n ? lossSum / n : NaN, report: acc.report() };
}

/** Run the model in inference mode over batches and score it with core/metrics. */
export function evaluate(model: tf.LayersModel, batches: AsyncIterable<Batch> | Iterable<Batch>, numClasses: number): Promise<Evaluation> {
  return scoreBatches(batches, numClasses, async (batch) => {
    const logits = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor);
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  });
}
