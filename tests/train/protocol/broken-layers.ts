import * as tf from '@tensorflow/tfjs';

/** Identity forward, zero gradient backward: every layer before it stops learning. */
class GradientCut extends tf.layers.Layer {
  static className = 'TestGradientCut';
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const cut = tf.customGrad(((t: tf.Tensor) => ({ value: tf.clone(t), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<
      typeof tf.customGrad
    >[0]);
    return cut(x) as tf.Tensor;
  }
}

/** Multiplies its input by zero: the network after it sees nothing. */
class Dead extends tf.layers.Layer {
  static className = 'TestDead';
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.mul(x, 0);
  }
}

export const gradientCut = (name: string) => new GradientCut({ name });
export const deadLayer = (name: string) => new Dead({ name });
