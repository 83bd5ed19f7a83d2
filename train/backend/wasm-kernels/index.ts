/**
 * Registers, for the `wasm` backend, the kernels that training needs and tfjs-backend-wasm 4.22
 * lacks or does badly. The list comes from recording the kernels a training step of the default model
 * uses on `cpu` (Conv/BN/ReLU/SpatialDropout/Add/GlobalAveragePooling/Dense, softmax cross-entropy,
 * Adam/SGD updates) against what `wasm` registers — see tests/train/wasm-kernels.test.ts, which
 * re-checks it. Missing: Conv2DBackpropFilter. Slow: Conv2DBackpropInput, Tile, Identity (copies), FusedBatchNorm,
 * Add/Sub/Multiply/RealDiv (scalar loops).
 * Imprecise: Sum, Mean.
 * Idempotent; must run after '@tensorflow/tfjs-backend-wasm' is imported.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormConfig } from './batch-norm.js';
import { binaryOpConfigs } from './binary-ops.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { float64ReduceConfigs } from './float64-reduce.js';
import { identityConfig } from './identity.js';
import { tileConfig } from './tile.js';

let registered: string[] | null = null;

function stockKernel(name: string): tf.KernelConfig {
  const stock = tf.getKernel(name, 'wasm');
  if (stock == null) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  return { ...stock };
}

export function registerWasmTrainingKernels(): string[] {
  if (registered != null) return registered;
  const ours = [
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig,
    ...float64ReduceConfigs(),
    tileConfig(stockKernel(tf.Tile)),
    identityConfig(stockKernel(tf.Identity)),
    batchNormConfig(stockKernel(tf.FusedBatchNorm)),
    ...binaryOpConfigs(stockKernel),
  ];
  for (const config of ours) {
    const stock = tf.getKernel(config.kernelName, 'wasm');
    if (stock != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, setupFunc: config.setupFunc ?? stock?.setupFunc });
  }
  registered = ours.map((k) => k.kernelName);
  return registered;
}
