import * as tf from '@tensorflow/tfjs';
import type { Param } from '../optim/optimizers.js';
import type { GradientOptions } from './engine.js';

export interface StepOutput {
  /** Mean loss over the batch (label smoothing included). */
  loss: number;
  correct: number;
  /** Accumulated, clipped gradients (caller disposes). */
  grads: tf.Tensor[];
  /** Global L2 norm before clipping. */
  gradNorm: number;
}

/** Softmax cross-entropy from logits against soft targets [B, K] (mixed batches), mean over the batch. */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(targets, logits, undefined, 0, tf.Reduction.MEAN) as tf.Scalar;
}

/** Softmax cross-entropy from logits with label smoothing (PyTorch's definition), mean over the batch. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number, smoothing: number): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), numClasses);
    return tf.losses.softmaxCrossEntropy(onehot, logits, undefined, smoothing, tf.Reduction.MEAN) as tf.Scalar;
  });
}

/**
 * Gradients of one batch, computed over micro-batches when asked: each micro-batch's mean loss is
 * weighted by its share of the batch, so the sum equals the full batch's gradient (BatchNorm
 * statistics are then per micro-batch, as with any accumulation). Weights are not changed here.
 */
export function computeGradients(
  model: tf.LayersModel,
  params: Param[],
  batch: { x: tf.Tensor4D; y: tf.Tensor1D; targets?: tf.Tensor2D },
  opts: GradientOptions,
): StepOutput {
  const size = batch.y.shape[0];
  const micro = opts.microBatch > 0 && opts.microBatch < size ? opts.microBatch : size;
  const vars = params.map((p) => p.variable);
  let grads: tf.Tensor[] | null = null;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < size; start += micro) {
    const n = Math.min(micro, size - start);
    const out = tf.tidy(() => {
      const x = n === size ? batch.x : tf.slice(batch.x, [start, 0, 0, 0], [n, -1, -1, -1]);
      const y = n === size ? batch.y : tf.slice(batch.y, [start], [n]);
      const targets = !batch.targets || n === size ? batch.targets : tf.slice(batch.targets, [start, 0], [n, -1]);
      let hits: tf.Tensor | null = null;
      const { value, grads: g } = tf.variableGrads(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor2D;
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, 'int32')), 'int32')));
        const loss = targets ? softTargetCrossEntropy(logits, targets) : softmaxCrossEntropy(logits, y, opts.numClasses, opts.labelSmoothing);
        return tf.mul(loss, n / size) as tf.Scalar;
      }, vars);
      return { value, grads: vars.map((v) => g[v.name]), hits: hits as unknown as tf.Tensor };
    });
    loss += out.value.dataSync()[0];
    correct += out.hits.dataSync()[0];
    tf.dispose([out.value, out.hits]);
    if (grads === null) {
      grads = out.grads;
    } else {
      const prev: tf.Tensor[] = grads;
      grads = prev.map((g, i) => tf.add(g, out.grads[i]));
      tf.dispose([...prev, ...out.grads]);
    }
  }
  const all = grads as tf.Tensor[];
  const norm = tf.tidy(() => tf.sqrt(tf.addN(all.map((g) => tf.sum(tf.square(g))))));
  const gradNorm = norm.dataSync()[0];
  norm.dispose();
  if (opts.gradClip > 0 && Number.isFinite(gradNorm) && gradNorm > opts.gradClip) {
    const scale = opts.gradClip / gradNorm;
    const clipped = all.map((g) => tf.mul(g, scale));
    tf.dispose(all);
    return { loss, correct, grads: clipped, gradNorm };
  }
  return { loss, correct, grads: all, gradNorm };
}
