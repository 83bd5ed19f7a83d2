/** Write a LayersModel in the standard tfjs format, optionally with uint8 / float16 quantized weights. */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type Quantization = 'none' | 'uint8' | 'float16';

/** float32 → IEEE half (round to nearest), enough for test weights in a normal range. */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) return sign; // flush tiny values to zero
  if (exp >= 31) return sign | 0x7c00;
  mant += 0x1000; // round
  if (mant & 0x800000) {
    mant = 0;
    exp++;
  }
  return sign | (exp << 10) | (mant >>> 13);
}

export async function saveTfjsModel(model: tf.LayersModel, dir: string, quantization: Quantization = 'none'): Promise<string> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new Error('no artifacts');
  const raw = new Float32Array(artifacts.weightData as ArrayBuffer);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = raw.subarray(offset, offset + size);
    offset += size;
    if (quantization === 'uint8') {
      const min = Math.min(...values);
      const max = Math.max(...values);
      const scale = max > min ? (max - min) / 255 : 1;
      chunks.push(Uint8Array.from(values, (v) => Math.round((v - min) / scale)));
      specs.push({ ...spec, quantization: { dtype: 'uint8', min, scale, original_dtype: 'float32' } as tf.io.WeightsManifestEntry['quantization'] });
    } else if (quantization === 'float16') {
      const halves = Uint16Array.from(values, toHalf);
      chunks.push(new Uint8Array(halves.buffer));
      specs.push({ ...spec, quantization: { dtype: 'float16', original_dtype: 'float32' } as tf.io.WeightsManifestEntry['quantization'] });
    } else {
      chunks.push(new Uint8Array(values.slice().buffer));
      specs.push(spec);
    }
  }
  mkdirSync(dir, { recursive: true });
  // Two shards, as the converter writes large models.
  const all = Buffer.concat(chunks);
  const half = Math.floor(all.length / 2);
  writeFileSync(path.join(dir, 'group1-shard1of2.bin'), all.subarray(0, half));
  writeFileSync(path.join(dir, 'group1-shard2of2.bin'), all.subarray(half));
  const json = {
    format: 'layers-model',
    generatedBy: 'tinynet tests',
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs }],
  };
  const file = path.join(dir, 'model.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}
