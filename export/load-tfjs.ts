/**
 * Load a TensorFlow.js LayersModel saved in the standard format (model.json + binary weight shards)
 * straight from disk. tfjs itself decodes the weights, so uint8/uint16/float16-quantized shards are
 * dequantized exactly as tfjs does when it loads the model.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TinynetError } from '../core/errors.js';
import '../train/model/spatial-dropout.js'; // tinynet's own layer class, so its models load too

interface ModelJson {
  format?: string;
  modelTopology?: Record<string, unknown>;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

export async function loadTfjsModel(file: string): Promise<tf.LayersModel> {
  if (!existsSync(file)) throw new TinynetError('export.not_found', `model file not found: ${file}`, 'pass the path of a TensorFlow.js model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TinynetError('export.bad_model', `${file} is not valid JSON: ${(err as Error).message}`, 'pass a TensorFlow.js model.json');
  }
  if (json.format === 'graph-model' || (json.modelTopology && 'node' in json.modelTopology)) {
    throw new TinynetError(
      'export.bad_model',
      `${file} is a TensorFlow.js graph model; tinynet exports LayersModels (Keras-style)`,
      'for graph models use tf2onnx (python -m tf2onnx.convert --tfjs ...)',
    );
  }
  if (!json.modelTopology) throw new TinynetError('export.bad_model', `${file} has no modelTopology`, 'is this a TensorFlow.js model.json?');

  const dir = path.dirname(file);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const shard of group.paths) {
      const shardFile = path.resolve(dir, shard);
      if (!existsSync(shardFile)) {
        throw new TinynetError(
          'export.bad_model',
          `weight shard ${shard} named by ${file} is missing (looked for ${shardFile})`,
          'copy every .bin file that came with model.json next to it',
        );
      }
      buffers.push(readFileSync(shardFile));
    }
    weightSpecs.push(...group.weights);
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer }));
  } catch (err) {
    throw new TinynetError(
      'export.bad_model',
      `TensorFlow.js could not load ${file}: ${(err as Error).message}`,
      'check that model.json and its weight shards belong together',
    );
  }
}
