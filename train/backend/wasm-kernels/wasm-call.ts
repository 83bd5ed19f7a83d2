/**
 * Helpers for kernels written in terms of other wasm kernels: call a registered kernel directly
 * (no tape, no engine bookkeeping), read/write tensor memory in the wasm heap, free intermediates.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Info = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;

interface WasmData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
}
/** The parts of BackendWasm our kernels use (its `wasm` module type is internal to the package). */
export interface WasmInternals {
  dataIdMap: { get(dataId: object): WasmData };
  wasm: { wasmMemory?: { buffer: ArrayBufferLike }; HEAPU8: Uint8Array };
}

export function internals(backend: BackendWasm): WasmInternals {
  return backend as unknown as WasmInternals;
}

/** Runs the kernel currently registered for `wasm` under `name`. */
export function call(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: Attrs = {}): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel == null) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as Info;
}

export function dispose(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The wasm heap as it is now (it grows, so never keep a view across kernel calls). */
export function heapBuffer(backend: BackendWasm): ArrayBufferLike {
  const { wasm } = internals(backend);
  return wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer;
}

export function float32View(backend: BackendWasm, info: Info): Float32Array {
  const data = internals(backend).dataIdMap.get(info.dataId);
  return new Float32Array(heapBuffer(backend), data.memoryOffset, tf.util.sizeFromShape(info.shape));
}

export function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  return call('Transpose', backend, { x }, { perm });
}

export function reshape(backend: BackendWasm, x: Info, shape: number[]): Info {
  return call('Reshape', backend, { x }, { shape });
}
