import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { loadConfig, type ModelConfig } from '../../core/config/index.js';
import { packageFile } from '../../core/paths.js';
import { exportLayersModel, type ExportResult } from '../../export/exporter.js';
import { quantizeInt8 } from '../../export/precision/int8.js';
import { convertToFloat16 } from '../../export/precision/float16.js';
import { serializeVariant } from '../../export/precision/variant.js';
import type { PrecisionInfo } from '../../core/onnx-metadata.js';
import { buildResNet } from '../../train/model/index.js';
import { cpuBackend, randomizeWeights } from './export-parity.js';

export const SMOKE_CLASS_NAMES = (n: number) => Array.from({ length: n }, (_, i) => `smoke class ${i}`);

/**
 * The smoke config's network (configs/smoke.yaml: widths 8/16/32, one block per stage), random
 * weights (BatchNorm statistics too, so folding is exercised), exported by the real exporter with
 * the uint8 NHWC head and the metadata a trained model carries. What `tinynet export` writes,
 * minus the training.
 */
export async function writeSmokeModel(file: string): Promise<{ numClasses: number; size: number }> {
  const { config } = loadConfig(packageFile('configs', 'smoke.yaml'));
  return writeRandomModel(file, config.model, config.dataset.image_size, config.dataset.synthetic.classes);
}

/**
 * The smoke network as `tinynet export --quantize int8` writes it (minmax ranges calibrated on
 * pseudo-random pixels, since random weights have no dataset) or as `--precision fp16` does.
 */
export async function writeSmokeVariant(file: string, precision: 'int8' | 'fp16'): Promise<{ numClasses: number; size: number }> {
  const { config } = loadConfig(packageFile('configs', 'smoke.yaml'));
  const size = config.dataset.image_size;
  const result = await exportRandom(config.model, size, config.dataset.synthetic.classes);
  const n = 32;
  const images = Uint8Array.from({ length: n * size * size * 3 }, (_, i) => ((i * 2654435761) >>> 24) & 255);
  const graph =
    precision === 'int8'
      ? (await quantizeInt8(result.graph, { images, n, height: size, width: size, channels: 3 }, { method: 'minmax', activations: 'uint8' })).graph
      : convertToFloat16(result.graph).graph;
  const info: PrecisionInfo =
    precision === 'int8'
      ? { precision, weights: 'int8 per-channel symmetric', activations: 'uint8', calibration: { method: 'minmax', images: n, split: 'random pixels' } }
      : { precision, weights: 'float16' };
  await writeFile(file, serializeVariant(result, graph, info));
  return { numClasses: config.dataset.synthetic.classes, size };
}

/** Any config's network with random weights, exported like `tinynet export` does. */
export async function writeRandomModel(
  file: string,
  modelConfig: ModelConfig,
  size: number,
  numClasses: number,
): Promise<{ numClasses: number; size: number }> {
  await writeFile(file, (await exportRandom(modelConfig, size, numClasses)).bytes);
  return { numClasses, size };
}

async function exportRandom(modelConfig: ModelConfig, size: number, numClasses: number): Promise<ExportResult> {
  await cpuBackend();
  const model = buildResNet(modelConfig, { inputShape: [size, size, 3], numClasses }, { seed: 11 });
  randomizeWeights(model, 5);
  const result = exportLayersModel(model, {
    input: 'uint8-nhwc',
    dataset: {
      classes: SMOKE_CLASS_NAMES(numClasses).map((name, index) => ({ index, id: `c${index}`, name })),
      normalization: { mean: [0.4802, 0.4481, 0.3975], std: [0.277, 0.2691, 0.2821], pixel_scale: 1 / 255 },
    },
    provenance: { source: 'tfjs' },
  });
  model.dispose();
  tf.disposeVariables();
  return result;
}
