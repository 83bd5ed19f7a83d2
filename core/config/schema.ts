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
export const configSchema = z
  .strictObject({
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
  })
  .superRefine((c, ctx) => {
    // Rules across sections: a batch mixes with itself reversed, and the mixed targets carry their own smoothing.
    if (!c.augment.enabled || !mixEnabled(c.augment)) return;
    if (c.train.batch_size < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'batch_size'],
        message: 'augment.mix pairs images within a batch: train.batch_size must be ≥ 2 (or turn augment.mix off)',
      });
    }
    if (c.train.label_smoothing > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'label_smoothing'],
        message: 'with augment.mix on, the targets are smoothed by augment.mix.label_smoothing: set train.label_smoothing to 0',
      });
    }
  });

/** Whether batch mixing (mixup or CutMix) is configured. */
export function mixEnabled(augment: { mix: { mixup_alpha: number | null; cutmix_alpha: number | null } }): boolean {
  return augment.mix.mixup_alpha !== null || augment.mix.cutmix_alpha !== null;
}

export type Config = z.infer<typeof configSchema>;
export type DatasetConfig = Config['dataset'];
export type AugmentConfig = Config['augment'];
export type ModelConfig = Config['model'];
export type TrainConfig = Config['train'];
export type ServeConfig = Config['serve'];
export type ExportConfig = Config['export'];
export type GridConfig = Config['grid'];
