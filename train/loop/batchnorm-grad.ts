import * as tf from '@tensorflow/tfjs';

/**
 * A leaner gradient for FusedBatchNorm (what every BatchNormalization layer runs). tfjs's own
 * gradient tiles 1/√(var+ε) to the full [B,H,W,C] input shape and multiplies full-size tensors
 * several times; on wasm the Tile alone was the most expensive kernel of a training step. This
 * computes the same derivatives with broadcasting and two shared per-channel reductions
 * (Σdy and Σdy·(x−μ)), so the only full-size work is x−μ, dy·(x−μ) and the final dy·(γ/σ).
 */
const original = tf.getGradient('FusedBatchNorm');
let installed = false;

function reduceTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, t.shape);
  return tf.reshape(axes.length ? tf.sum(t, axes) : t, shape);
}

export const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy = Array.isArray(dyIn) ? dyIn[0] : dyIn;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved;
    const gamma = scale ?? tf.scalar(1);
    const rs = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(rs, rs), rs), tf.scalar(-0.5));
    const xmu = tf.sub(x, mean);
    const perChannel = mean.rank === 1 && variance.rank === 1 && (scale == null || scale.rank === 1);
    if (perChannel) {
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const sumDy = tf.sum(dy, axes);
      const sumDyXmu = tf.sum(tf.mul(dy, xmu), axes);
      return {
        x: () => tf.mul(dy, tf.mul(rs, gamma)),
        mean: () => tf.reshape(tf.mul(tf.neg(tf.mul(rs, gamma)), sumDy), mean.shape),
        variance: () => tf.reshape(tf.mul(tf.mul(minusHalfRCube, gamma), sumDyXmu), variance.shape),
        scale: () => tf.reshape(tf.mul(rs, sumDyXmu), mean.shape),
        offset: () => tf.reshape(sumDy, mean.shape),
      };
    }
    const dyGamma = tf.mul(dy, gamma);
    return {
      x: () => tf.reshape(tf.mul(dyGamma, rs), x.shape),
      mean: () => reduceTo(tf.neg(tf.mul(dyGamma, rs)), mean.shape),
      variance: () => reduceTo(tf.mul(tf.mul(minusHalfRCube, xmu), dyGamma), variance.shape),
      scale: () => reduceTo(tf.mul(dy, tf.mul(xmu, rs)), scale ? scale.shape : mean.shape),
      offset: () => reduceTo(dy, mean.shape),
    };
  },
};

/** Register the lean gradient (idempotent). It applies to every backend. */
export function installBatchNormGradient(): void {
  if (installed) return;
  tf.registerGradient(fusedBatchNormGrad);
  installed = true;
}

/** Put tfjs's own gradient back (tests compare against it). */
export function restoreOriginalBatchNormGradient(): void {
  if (original) tf.registerGradient(original);
  installed = false;
}
