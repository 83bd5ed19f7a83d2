/**
 * The seed network for benchmarks, built with tf.layers: stem Conv3×3 → BN → ReLU; stages of N
 * residual blocks (Conv3×3 → BN → ReLU → SpatialDropout → Conv3×3 → BN, identity or 1×1 Conv+BN
 * shortcut, add, ReLU; first block of stages 2+ has stride 2); GAP → Dense. SpatialDropout2D is
 * tf.layers.dropout with noise shape [B,1,1,C] (the same computation). Kept bench-local so the
 * benchmark does not depend on the trainer's room; bench/torch_train_step.py builds the same net.
 */
import * as tf from '@tensorflow/tfjs';

export interface SeedModelOptions {
  blocks: number[];
  widths: number[];
  size: number;
  classes: number;
  dropout: number;
}

export const SEED_MODEL: SeedModelOptions = { blocks: [3, 3, 3], widths: [64, 128, 256], size: 64, classes: 200, dropout: 0.1 };

export function buildSeedModel(o: SeedModelOptions): tf.LayersModel {
  const conv = (filters: number, kernelSize: number, strides: number) =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal' });
  const bn = (x: tf.SymbolicTensor) => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor) => tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [o.size, o.size, 3] });
  let x = relu(bn(conv(o.widths[0], 3, 1).apply(input) as tf.SymbolicTensor));
  let channels = o.widths[0];
  o.blocks.forEach((count, stage) => {
    const width = o.widths[stage];
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      let y = relu(bn(conv(width, 3, stride).apply(x) as tf.SymbolicTensor));
      if (o.dropout > 0) {
        y = tf.layers.dropout({ rate: o.dropout, noiseShape: [null, 1, 1, width] as unknown as number[] }).apply(y) as tf.SymbolicTensor;
      }
      y = bn(conv(width, 3, 1).apply(y) as tf.SymbolicTensor);
      const shortcut = stride !== 1 || channels !== width ? bn(conv(width, 1, stride).apply(x) as tf.SymbolicTensor) : x;
      x = relu(tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor);
      channels = width;
    }
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: o.classes }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/**
 * Forward FLOPs per image of the seed network's convolutions and dense layer (2 per multiply-add;
 * BatchNorm, activations and the residual adds are < 1 % and left out). A training step costs about
 * 3× this per image: the forward pass, the input gradient and the filter gradient.
 */
export function seedModelForwardFlops(o: SeedModelOptions): number {
  const conv = (out: number, k: number, ci: number, co: number) => 2 * out * out * k * k * ci * co;
  let size = o.size;
  let flops = conv(size, 3, 3, o.widths[0]);
  let channels = o.widths[0];
  o.blocks.forEach((count, stage) => {
    const width = o.widths[stage];
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      size = Math.ceil(size / stride);
      flops += conv(size, 3, channels, width) + conv(size, 3, width, width);
      if (stride !== 1 || channels !== width) flops += conv(size, 1, channels, width);
      channels = width;
    }
  });
  return flops + 2 * channels * o.classes;
}
