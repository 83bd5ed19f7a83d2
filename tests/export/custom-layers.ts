/** Layer classes tfjs-layers lacks but Keras models (and tinynet's trainer) may carry. */
import * as tf from '@tensorflow/tfjs';

/** Keras' SpatialDropout2D: identity at inference. */
export class SpatialDropout2D extends tf.layers.Layer {
  static className = 'SpatialDropout2D';
  constructor(args: { rate?: number; name?: string } = {}) {
    super({ name: args.name });
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(inputs) ? inputs[0] : inputs;
  }
}
tf.serialization.registerClass(SpatialDropout2D);

/** Keras' Subtract merge layer (tfjs-layers has none). */
export class Subtract extends tf.layers.Layer {
  static className = 'Subtract';
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.sub(a, b);
  }
  computeOutputShape(shapes: tf.Shape | tf.Shape[]): tf.Shape {
    return (shapes as tf.Shape[])[0];
  }
}
tf.serialization.registerClass(Subtract);

/** A layer no converter knows. */
export class Mystery extends tf.layers.Layer {
  static className = 'Mystery';
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(inputs) ? inputs[0] : inputs;
  }
}
tf.serialization.registerClass(Mystery);

/** Keras' full ReLU (tfjs implements only max_value): reports className 'ReLU' like a Keras model would. */
export class KerasReLU extends tf.layers.Layer {
  static className = 'ReLU';
  constructor(private readonly args: { maxValue?: number; negativeSlope: number; threshold: number }) {
    super({});
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const { maxValue, negativeSlope, threshold } = this.args;
      let y = tf.where(tf.greaterEqual(x, threshold), x, tf.mul(tf.sub(x, threshold), negativeSlope));
      if (maxValue !== undefined) y = tf.minimum(y, maxValue);
      return y;
    });
  }
  getConfig() {
    return { ...super.getConfig(), ...this.args };
  }
}

/** Keras' global pooling with keepdims=True ([N, 1, 1, C]). */
export class KeepdimsGlobalPool extends tf.layers.Layer {
  static className = 'GlobalMaxPooling2D';
  constructor(private readonly kind: 'max' | 'avg') {
    super({});
  }
  getClassName(): string {
    return this.kind === 'max' ? 'GlobalMaxPooling2D' : 'GlobalAveragePooling2D';
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return this.kind === 'max' ? tf.max(x, [1, 2], true) : tf.mean(x, [1, 2], true);
  }
  computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shape as tf.Shape;
    return [s[0], 1, 1, s[3]];
  }
  getConfig() {
    return { ...super.getConfig(), keepdims: true, dataFormat: 'channelsLast' };
  }
}
