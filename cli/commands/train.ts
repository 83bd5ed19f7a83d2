import type { Command } from 'commander';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';
import { storedConfig, type LoadedConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { readCheckpoint } from '../../train/checkpoint.js';
import { runTraining } from '../../train/run.js';
import { findAutoResume } from '../../train/resume-auto.js';
import { requeueSelf } from '../../train/protocol/slurm.js';
import { resolveUserPath } from '../../core/paths.js';

interface TrainOptions extends ConfigOptions {
  resume?: string;
  backend?: string;
  threads?: string;
}

const log = createLogger('train');

export function register(program: Command): void {
  withConfigOptions(
    program.command('train').description('train the model (best.ckpt, last.ckpt under paths.artifacts; TensorBoard files under paths.runs/<experiment>)'),
  )
    .option(
      '--resume <ckpt|auto>',
      'continue from a checkpoint (e.g. artifacts/last.ckpt; its config is used, --set still applies on top), or `auto`: from ' +
        'paths.artifacts/last.ckpt when this config wrote it, else from scratch',
    )
    .option('--backend <kind>', 'auto | tensorflow | wasm | cpu (overrides train.backend)')
    .option('--threads <n>', 'wasm threads (overrides train.threads; 0 = number of cores)')
    .action(async (opts: TrainOptions) => {
      const sets = [...(opts.set ?? [])];
      if (opts.backend) sets.push(`train.backend=${opts.backend}`);
      if (opts.threads) sets.push(`train.threads=${opts.threads}`);
      let resumeFile: string | undefined;
      let loaded: LoadedConfig;
      if (opts.resume === 'auto') {
        loaded = configFromOptions({ ...opts, set: sets });
        const found = findAutoResume(loaded.config);
        if (found.info && found.info.epoch >= loaded.config.train.epochs && found.info.batchInEpoch === 0) {
          log.info(`--resume auto: ${found.file} already completed ${found.info.epoch} of ${loaded.config.train.epochs} epochs; nothing to do`);
          return;
        }
        log.info(
          found.file
            ? `--resume auto: continuing from ${found.file} (epoch ${found.info!.epoch}, batch ${found.info!.batchInEpoch})`
            : `--resume auto: no ${loaded.config.paths.artifacts}/last.ckpt yet, starting from scratch`,
        );
        resumeFile = found.file ?? undefined;
      } else {
        resumeFile = opts.resume ? resolveUserPath(opts.resume) : undefined;
        // Header only here: the model is built after the backend is selected.
        const resume = resumeFile ? readCheckpoint(resumeFile) : undefined;
        loaded = resume ? storedConfig(resume.config, sets) : configFromOptions({ ...opts, set: sets });
        if (resume && resume.epoch >= loaded.config.train.epochs) {
          throw new TinynetError(
            'train.nothing_to_do',
            `${opts.resume} already completed ${resume.epoch} of ${loaded.config.train.epochs} epochs`,
            `raise the budget, e.g. --set train.epochs=${resume.epoch + 10}`,
          );
        }
      }
      let timeLimit = false;
      const onTimeLimit = () => (timeLimit = true);
      process.on('SIGUSR2', onTimeLimit);
      try {
        const result = await runTraining({ config: loaded.config, configHash: loaded.hash, resume: resumeFile, handleSignals: true });
        if (result.stopReason === 'non_finite') {
          process.stderr.write(`error: ${result.message}\n`);
          process.exitCode = 1;
        } else if (result.stopReason === 'interrupted') {
          process.exitCode = 130;
          // A grid trial requeues itself; a plain `tinynet train` job does it here.
          if (timeLimit && !process.env.TINYNET_GRID_TRIAL) {
            // Said first: a successful requeue ends this job (SIGTERM) before the answer is read.
            log.info(`time limit near: last.ckpt saved, requeueing job ${process.env.SLURM_JOB_ID ?? '(not under Slurm)'}`);
            const r = await requeueSelf();
            if (!r.ok) log.warn(`time limit near: ${r.message}`);
          }
        }
      } finally {
        process.off('SIGUSR2', onTimeLimit);
      }
    });
}
