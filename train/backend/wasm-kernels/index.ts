/**
 * Registers, for the `wasm` backend, the kernels that training needs and tfjs-backend-wasm 4.22
 * lacks or does badly (found by recording the kernels a training step uses on `cpu`; see
 * tests/train/wasm-kernels.test.ts). Idempotent; replaced stock kernels keep their setup function.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';

const OURS: tf.KernelConfig[] = [conv2DBackpropFilterConfig];

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const config of OURS) {
    const stock = tf.getKernel(config.kernelName, 'wasm');
    if (stock != null) tf.unregisterKernel(config.kernelName, 'wasm');
    // A replaced stock kernel may still need its setup (cwrap of its wasm function) for fallbacks.
    tf.registerKernel({ ...config, setupFunc: config.setupFunc ?? stock?.setupFunc });
  }
  registered = true;
}

/** Names of the kernels registered here (for logs and tests). */
export const WASM_TRAINING_KERNELS = OURS.map((k) => k.kernelName);
