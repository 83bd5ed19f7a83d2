import path from 'node:path';
import YAML from 'yaml';
import type { Config } from '../../core/config/index.js';
import { EventWriter, type HParamValue } from '../../core/tensorboard/index.js';
import type { Callback } from '../loop/callback.js';
import type { EpochMetrics } from '../types.js';

/** Scalars written every epoch (x axis = epoch). */
export const EPOCH_SCALARS = [
  'train/loss',
  'train/accuracy',
  'val/loss',
  'val/accuracy',
  'val/f1',
  'val/top5',
  'lr',
  'throughput',
] as const satisfies ReadonlyArray<keyof EpochMetrics>;
/** Written too when the run keeps an EMA of the weights (train.ema). */
export const EMA_SCALARS = ['val/ema_loss', 'val/ema_accuracy', 'val/ema_f1', 'val/ema_top5'] as const satisfies ReadonlyArray<keyof EpochMetrics>;

/** The hyperparameters a run is compared by in TensorBoard's HParams tab. */
export function hparamsOf(config: Config): Record<string, HParamValue> {
  const { model: m, train: t } = config;
  return {
    'train.optimizer': t.optimizer,
    'train.lr': t.lr,
    'train.weight_decay': t.weight_decay,
    'train.batch_size': t.batch_size,
    'train.schedule': t.schedule.name,
    'train.label_smoothing': t.label_smoothing,
    'train.ema': t.ema.enabled ? t.ema.decay : 0,
    'augment.policy': config.augment.policy.name,
    'augment.mix': JSON.stringify([config.augment.mix.mixup_alpha, config.augment.mix.cutmix_alpha]),
    'augment.random_erasing': config.augment.random_erasing.prob,
    'train.epochs': t.epochs,
    'model.blocks': JSON.stringify(m.blocks),
    'model.widths': JSON.stringify(m.widths),
    'model.dropout': m.dropout,
    'model.activation': m.activation,
    'model.batchnorm': m.batchnorm,
    seed: config.seed,
  };
}

export interface TensorBoardOptions {
  /** Run folder, usually `<paths.runs>/<train.experiment>`. */
  dir: string;
  /** Augmented samples to show in the image tab (0 = none). */
  sampleImages?: number;
  /** HParams session group (grids put their trials' names here). */
  groupName?: string;
}

/** TensorBoard event files: the config as text, HParams, augmentation samples, per-epoch scalars. */
export function tensorBoard(opts: TensorBoardOptions): Callback & { readonly writer: EventWriter | null } {
  let writer: EventWriter | null = null;
  return {
    name: 'tensorboard',
    get writer() {
      return writer;
    },
    async onTrainBegin(ctx) {
      writer = new EventWriter(opts.dir);
      writer.text('config', `\`\`\`yaml\n${YAML.stringify(ctx.config)}\`\`\``, ctx.epoch);
      const hp = hparamsOf(ctx.config);
      writer.hparamsExperiment(hp, [
        { tag: 'val/accuracy', dataset: 'validation' },
        { tag: 'val/loss', dataset: 'validation' },
        { tag: 'val/f1', dataset: 'validation', description: 'macro-F1' },
        { tag: 'val/top5', dataset: 'validation' },
        { tag: 'train/loss', dataset: 'training' },
        { tag: 'train/accuracy', dataset: 'training' },
      ]);
      writer.hparamsSessionStart(hp, opts.groupName ?? '');
      const n = opts.sampleImages ?? 16;
      if (n > 0 && ctx.data.samples) {
        const samples = await ctx.data.samples(n);
        if (samples.images.length > 0) await writer.images('augmentation/samples', samples, ctx.epoch);
      }
    },
    onEpochEnd(_ctx, m) {
      for (const tag of [...EPOCH_SCALARS, ...EMA_SCALARS]) {
        const v = m[tag];
        if (v !== undefined && Number.isFinite(v)) writer?.scalar(tag, v, m.epoch);
      }
      writer?.flush();
    },
    onTrainEnd(_ctx, result) {
      const status = result.stopReason === 'non_finite' ? 'failure' : result.stopReason === 'interrupted' ? 'running' : 'success';
      writer?.hparamsSessionEnd(status);
      writer?.close();
    },
  };
}

/** `<runs>/<experiment>`. */
export function runDir(config: Config): string {
  return path.join(config.paths.runs, config.train.experiment);
}
