/**
 * The float model and a reduced-precision variant on the same split, through onnxruntime-node:
 * both accuracies (EvalAccumulator, the metric code of `tinynet evaluate`) and how often they
 * pick the same class.
 */
import * as ort from 'onnxruntime-node';
import { EvalAccumulator } from '../../core/eval-report.js';
import type { SplitData } from '../../dataset/index.js';

export interface SplitComparison {
  split: string;
  images: number;
  float: number;
  model: number;
  top1Agreement: number;
}

function argmax(row: ArrayLike<number>, from: number, cols: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (row[from + c] > row[from + best]) best = c;
  return best;
}

export async function compareOnSplit(
  floatBytes: Uint8Array,
  modelBytes: Uint8Array,
  data: SplitData,
  split: string,
  numClasses: number,
  batchSize = 32,
): Promise<SplitComparison> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  const sessions = [await ort.InferenceSession.create(floatBytes, options), await ort.InferenceSession.create(modelBytes, options)];
  const accs = [new EvalAccumulator(numClasses), new EvalAccumulator(numClasses)];
  const per = data.height * data.width * 3;
  let agree = 0;
  try {
    for (let from = 0; from < data.n; from += batchSize) {
      const n = Math.min(batchSize, data.n - from);
      const feeds = { image: new ort.Tensor('uint8', data.images.subarray(from * per, (from + n) * per), [n, data.height, data.width, 3]) };
      const labels = data.labels.subarray(from, from + n);
      const logits: Float32Array[] = [];
      for (let k = 0; k < 2; k++) {
        const out = await sessions[k].run(feeds);
        const l = out.logits.data as Float32Array;
        accs[k].add({ logits: l, probabilities: out.probabilities.data as Float32Array }, labels);
        logits.push(l);
      }
      for (let i = 0; i < n; i++) if (argmax(logits[0], i * numClasses, numClasses) === argmax(logits[1], i * numClasses, numClasses)) agree++;
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return { split, images: data.n, float: accs[0].accuracy, model: accs[1].accuracy, top1Agreement: data.n ? agree / data.n : 0 };
}
