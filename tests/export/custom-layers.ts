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
