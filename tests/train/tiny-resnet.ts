/**
 * A narrow version of the default network (conv/BN/ReLU stem, one residual block with a stride-2
 * 1×1-conv shortcut, SpatialDropout, global average pooling, dense), built with tf.layers like the
 * real model, for backend tests. Until train/model lands this stays test-local.
 */
import * as tf from '@tensorflow/tfjs';

export function tinyResNet(opts: { size: number; width: number; classes: number; dropout: number }): tf.LayersModel {
  const { size, width, classes, dropout } = opts;
  const conv = (filters: number, kernelSize: number, strides: number) => tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false });
  const input = tf.input({ shape: [size, size, 3] });
  let x = conv(width, 3, 1).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  let y = conv(2 * width, 3, 2).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  if (dropout > 0) y = tf.layers.dropout({ rate: dropout, noiseShape: [null, 1, 1, 2 * width] as unknown as number[] }).apply(y) as tf.SymbolicTensor;
  y = conv(2 * width, 3, 1).apply(y) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  let shortcut = conv(2 * width, 1, 2).apply(x) as tf.SymbolicTensor;
  shortcut = tf.layers.batchNormalization().apply(shortcut) as tf.SymbolicTensor;
  let z = tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor;
  z = tf.layers.reLU().apply(z) as tf.SymbolicTensor;
  z = tf.layers.globalAveragePooling2d({}).apply(z) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: classes }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
