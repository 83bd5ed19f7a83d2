/**
 * Runs calibration images through the float model with the values to calibrate exposed as extra
 * graph outputs, and hands each batch's values to the calibrator.
 */
import * as ort from 'onnxruntime-node';
import type { IrGraph } from '../../onnx/ir.js';
import { serializeModel } from '../../onnx/serialize.js';
import type { Calibrator } from './calibrators/index.js';

export interface CalibrationImages {
  /** uint8 NHWC RGB: what the exported model's `image` input takes (the normalization is in the graph). */
  images: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

export async function collectRanges(graph: IrGraph, tensors: string[], data: CalibrationImages, calibrator: Calibrator, batchSize = 16): Promise<void> {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const input = graph.inputs[0];
  if (graph.inputs.length !== 1 || input.dtype !== 'uint8') throw new Error('calibration feeds uint8 images: the model needs one uint8 image input');
  const extra = tensors.filter((t) => !outputs.has(t));
  const augmented: IrGraph = {
    ...graph,
    outputs: [...graph.outputs, ...extra.map((name) => ({ name, dtype: 'float32' as const, dims: [], shapeUnknown: true }))],
  };
  const bytes = serializeModel(augmented, { producerName: 'tinynet', producerVersion: 'calibration', metadata: {} });
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' });
  const per = data.height * data.width * data.channels;
  try {
    for (let from = 0; from < data.n; from += batchSize) {
      const n = Math.min(batchSize, data.n - from);
      const images = data.images.subarray(from * per, (from + n) * per);
      const feed = new ort.Tensor('uint8', images, [n, data.height, data.width, data.channels]);
      const got = await session.run({ [input.name]: feed }, tensors);
      for (const t of tensors) {
        const v = got[t];
        if (!v || !(v.data instanceof Float32Array)) throw new Error(`calibration did not produce float values for "${t}"`);
        calibrator.observe(t, v.data);
        v.dispose();
      }
    }
  } finally {
    await session.release();
  }
}
