import { z } from 'zod';
import { datasetSection } from './sections/dataset.js';
import { augmentSection } from './sections/augment.js';
import { modelSection } from './sections/model.js';
import { trainSection } from './sections/train.js';
import { sanitySection, lrFinderSection } from './sections/protocol.js';
import { gridSection } from './sections/grid.js';
import { exportSection, serveSection } from './sections/deploy.js';
import { pathsSection } from './sections/paths.js';

/** The whole config file. Every section is optional in YAML; defaults are the course report's values. */
export const configSchema = z.strictObject({
  seed: z.number().int().nonnegative().default(42),
  dataset: datasetSection.prefault({}),
  augment: augmentSection.prefault({}),
  model: modelSection.prefault({}),
  train: trainSection.prefault({}),
  sanity: sanitySection.prefault({}),
  lr_finder: lrFinderSection.prefault({}),
  grid: gridSection.prefault({}),
  export: exportSection.prefault({}),
  serve: serveSection.prefault({}),
  paths: pathsSection.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type DatasetConfig = Config['dataset'];
export type AugmentConfig = Config['augment'];
export type ModelConfig = Config['model'];
export type TrainConfig = Config['train'];
export type ServeConfig = Config['serve'];
export type ExportConfig = Config['export'];
export type GridConfig = Config['grid'];
