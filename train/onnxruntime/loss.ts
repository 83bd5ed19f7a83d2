/**
 * Softmax cross-entropy from logits against soft targets (one-hot with label smoothing folded in by
 * the trainer, as tf.losses.softmaxCrossEntropy and PyTorch define it), mean over the batch, and its
 * gradient with respect to the logits, (softmax − target)/N: the seed of the backward pass.
 */
import { attr } from '../../onnx/ir.js';
import type { TrainGraph } from './graph.js';

export const TARGET_INPUT = 'target';
export const LOSS_OUTPUT = 'loss';

export function addLoss(tg: TrainGraph, logits: string, numClasses: number): { loss: string; dLogits: string } {
  const g = tg.g;
  g.addInput({ name: TARGET_INPUT, dtype: 'float32', dims: ['N', numClasses] });
  tg.setShape(TARGET_INPUT, ['N', numClasses]);
  const dims = tg.shape(logits);
  const logProbs = tg.op('LogSoftmax', [logits], { axis: attr.int(1) }, dims, 'loss/LogSoftmax');
  const perSample = tg.op(
    'ReduceSum',
    [tg.op('Mul', [TARGET_INPUT, logProbs], {}, dims, 'loss/Mul'), tg.int64s('loss/class_axis', [1])],
    { keepdims: attr.int(0) },
    ['N'],
    'loss/PerSample',
  );
  const mean = tg.op('ReduceMean', [perSample], { axes: attr.ints([0]), keepdims: attr.int(0) }, [], 'loss/Mean');
  g.node('Neg', [mean], {}, { name: 'loss/Neg', outputs: [LOSS_OUTPUT] });
  tg.setShape(LOSS_OUTPUT, []);
  const batch = tg.op(
    'Cast',
    [tg.op('Gather', [tg.op('Shape', [logits], {}, [2], 'loss/Shape'), tg.int64s('loss/batch_axis', [0])], { axis: attr.int(0) }, [1], 'loss/Batch')],
    { to: attr.int(1) },
    [1],
    'loss/BatchFloat',
  );
  const residual = tg.op('Sub', [tg.op('Exp', [logProbs], {}, dims, 'loss/Softmax'), TARGET_INPUT], {}, dims, 'loss/Residual');
  const dLogits = tg.op('Div', [residual, batch], {}, dims, 'loss/dLogits');
  return { loss: LOSS_OUTPUT, dLogits };
}
