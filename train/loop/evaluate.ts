import * as tf from '@tensorflow/tfjs';
import { MetricsAccumulator, crossEntropy, type ClassificationReport } from '../../core/metrics.js';
import type { Batch } from '../data/provider.js';

export interface Evaluation {
  /** Plain cross-entropy (no label smoothing), mean over samples. */
  loss: number;
  report: ClassificationReport;
}

/** Run the model in inference mode over batches and score it with core/metrics. */
export async function evaluate(model: tf.LayersModel, batches: AsyncIterable<Batch> | Iterable<Batch>, numClasses: number): Promise<Evaluation> {
  const acc = new MetricsAccumulator(numClasses);
  let lossSum = 0;
  let n = 0;
  for await (const batch of batches) {
    const logits = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor);
    const scores = (await logits.data()) as Float32Array;
    const labels = (await batch.y.data()) as Int32Array;
    tf.dispose([logits, batch.x, batch.y]);
    acc.add(scores, labels);
    lossSum += crossEntropy(scores, labels, numClasses) * labels.length;
    n += labels.length;
  }
  return { loss: n ? lossSum / n : NaN, report: acc.report() };
}
