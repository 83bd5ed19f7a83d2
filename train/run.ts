import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config/index.js';
import { TinynetError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { onStopSignals } from '../core/signals.js';
import { prepareDataset } from '../dataset/index.js';
import { selectBackend } from './backend/select.js';
import { buildResNet } from './model/index.js';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { datasetProvider } from './data/dataset-provider.js';
import { fit } from './loop/trainer.js';
import type { Callback, TrainerContext, TrainResult } from './loop/callback.js';
import { progressLogger, nanGuard, earlyStopping, modelCheckpoint, tensorBoard, runDir, historyWriter } from './callbacks/index.js';
import path from 'node:path';

const log = createLogger('train');

export interface RunTrainingOptions {
  config: Config;
  configHash: string;
  /** A checkpoint file to continue from (its config, with overrides, should be the one passed in). */
  resume?: string;
  /** Extra plug-ins after the standard ones. */
  callbacks?: Callback[];
  /** Save last.ckpt and stop on SIGINT/SIGTERM (the CLI wants it; library callers may not). */
  handleSignals?: boolean;
}

/**
 * Stop cleanly on the first SIGINT/SIGTERM, or SIGUSR2 (what a Slurm job asks for before its time
 * limit): last.ckpt is saved by the checkpoint callback. Exit at once on the second.
 */
function signalStopper(): Callback & { detach(): void } {
  let ctx: TrainerContext | null = null;
  const detach = onStopSignals(
    (sig) => {
      log.warn(`${sig}: finishing the current step, then saving last.ckpt (press again to exit at once)`);
      ctx?.requestStop('interrupted', `stopped by ${sig}`);
    },
    log,
    'saving',
    ['SIGINT', 'SIGTERM', 'SIGUSR2'],
  );
  return {
    name: 'signals',
    onTrainBegin(c) {
      ctx = c;
    },
    detach,
  };
}

/** What `tinynet train` does: backend, dataset cache, model (new or resumed), the standard plug-ins, fit. */
export async function runTraining(opts: RunTrainingOptions): Promise<TrainResult> {
  const { config } = opts;
  const backend = await selectBackend(config.train.backend, { threads: config.train.threads });
  const { dir, meta, reused } = await prepareDataset(config);
  log.info(`dataset ${dir}${reused ? ' (cached)' : ''}: ${meta.splits.train.size} train / ${meta.splits.val.size} val images, ${meta.num_classes} classes`);
  const data = datasetProvider(config, dir, meta);

  let model: tf.LayersModel;
  let resume: LoadedCheckpoint | undefined;
  if (opts.resume) {
    // Loaded only now: the model must be built on the selected backend.
    resume = await loadCheckpoint(opts.resume);
    model = resume.model;
    const out = model.outputs[0].shape.at(-1);
    if (out !== meta.num_classes) {
      throw new TinynetError(
        'train.resume_mismatch',
        `the checkpoint's model predicts ${out} classes, the dataset has ${meta.num_classes}`,
        'resume with the dataset config the checkpoint was trained with',
      );
    }
    if (resume.backend !== backend.name) {
      log.warn(
        `the checkpoint was trained on ${resume.backend}, this run uses ${backend.name}: it continues, but will not reproduce an uninterrupted run bit for bit`,
      );
    }
  } else {
    model = buildResNet(config.model, { inputShape: meta.input_shape, numClasses: meta.num_classes }, { seed: config.seed });
  }

  const signals = opts.handleSignals ? signalStopper() : null;
  const callbacks: Callback[] = [
    ...(signals ? [signals] : []),
    progressLogger(log),
    nanGuard(),
    ...(config.train.early_stopping.enabled
      ? [earlyStopping({ monitor: config.train.monitor, patience: config.train.early_stopping.patience, minDelta: config.train.early_stopping.min_delta })]
      : []),
    modelCheckpoint({ dir: config.paths.artifacts, log }),
    tensorBoard({ dir: runDir(config) }),
    historyWriter({ file: path.join(config.paths.artifacts, 'history.json'), configHash: opts.configHash }),
    ...(opts.callbacks ?? []),
  ];
  try {
    return await fit({ model, config, configHash: opts.configHash, data, callbacks, resume });
  } finally {
    signals?.detach();
    model.dispose();
  }
}
