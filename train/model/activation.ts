import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../core/config/index.js';

/**
 * One Keras layer per activation, all standard classes the ONNX exporter maps:
 * relu/gelu (exact, erf)/selu/elu (alpha 1) as `Activation`, leaky_relu as `LeakyReLU` with
 * PyTorch's default slope 0.01 (Keras' default is 0.3).
 */
export function activationLayer(kind: ModelConfig['activation'], name: string): tf.layers.Layer {
  if (kind === 'leaky_relu') return tf.layers.leakyReLU({ alpha: 0.01, name });
  return tf.layers.activation({ activation: kind, name });
}
