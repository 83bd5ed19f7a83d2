import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { loadConfig, type ModelConfig } from '../../core/config/index.js';
import { packageFile } from '../../core/paths.js';
import { exportLayersModel } from '../../export/exporter.js';
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

/** Any config's network with random weights, exported like `tinynet export` does. */
export async function writeRandomModel(
  file: string,
  modelConfig: ModelConfig,
  size: number,
  numClasses: number,
): Promise<{ numClasses: number; size: number }> {
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
  await writeFile(file, result.bytes);
  return { numClasses, size };
}
