/**
 * Identity for wasm that shares the input's memory (reference-counted), as the `cpu` backend's does,
 * instead of copying it. tfjs tensors are immutable, so sharing is safe; tf.layers and autodiff call
 * Identity ~680 times per training step of the default model, which cost ~0.3 s of copies per
 * micro-batch of 8.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Info } from './wasm-call.js';

export function identityConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): Info => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc, setupFunc: stock.setupFunc };
}
