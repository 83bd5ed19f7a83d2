/**
 * MLAS's NCHWc block size on this processor (16 with AVX-512, 8 with AVX2), read from onnxruntime
 * itself: ReorderInput pads 4 channels up to one block. null when this onnxruntime build has no
 * NCHWc kernels.
 */
import ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../onnx/builder.js';
import { serializeModel } from '../../../onnx/serialize.js';
import { NCHWC_DOMAIN } from './nchwc.js';

let cached: Promise<number | null> | null = null;

export function nchwcBlockSize(): Promise<number | null> {
  cached ??= (async () => {
    const g = new GraphBuilder('nchwc_probe');
    g.addInput({ name: 'x', dtype: 'float32', dims: [1, 4, 1, 1] });
    g.node('ReorderInput', ['x'], {}, { outputs: ['y'], domain: NCHWC_DOMAIN });
    g.addOutput({ name: 'y', dtype: 'float32', dims: [1, 'C', 1, 1] });
    try {
      const session = await ort.InferenceSession.create(serializeModel(g.graph, { producerName: 'tinynet', producerVersion: '0', metadata: {} }), {
        logSeverityLevel: 4,
      });
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
      await session.release();
      const block = Number(out.y.dims[1]);
      return block >= 4 ? block : null;
    } catch {
      return null;
    }
  })();
  return cached;
}
