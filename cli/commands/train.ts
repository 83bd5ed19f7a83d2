import type { Command } from 'commander';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';
import { storedConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { readCheckpoint } from '../../train/checkpoint.js';
import { runTraining } from '../../train/run.js';
import { resolveUserPath } from '../../core/paths.js';

interface TrainOptions extends ConfigOptions {
  resume?: string;
  backend?: string;
  threads?: string;
}

export function register(program: Command): void {
  withConfigOptions(program.command('train').description('train the model (best.ckpt, last.ckpt under paths.artifacts; TensorBoard files under paths.runs/<experiment>)'))
    .option('--resume <ckpt>', 'continue from a checkpoint (e.g. artifacts/last.ckpt); its config is used, --set still applies on top')
    .option('--backend <kind>', 'auto | tensorflow | wasm | cpu (overrides train.backend)')
    .option('--threads <n>', 'wasm threads (overrides train.threads; 0 = number of cores)')
    .action(async (opts: TrainOptions) => {
      const sets = [...(opts.set ?? [])];
      if (opts.backend) sets.push(`train.backend=${opts.backend}`);
      if (opts.threads) sets.push(`train.threads=${opts.threads}`);
      const resumeFile = opts.resume ? resolveUserPath(opts.resume) : undefined;
      // Header only here: the model is built after the backend is selected.
      const resume = resumeFile ? readCheckpoint(resumeFile) : undefined;
      const { config, hash } = resume
        ? storedConfig(resume.config, sets)
        : configFromOptions({ ...opts, set: sets });
      if (resume && resume.epoch >= config.train.epochs) {
        throw new TinynetError('train.nothing_to_do', `${opts.resume} already completed ${resume.epoch} of ${config.train.epochs} epochs`, `raise the budget, e.g. --set train.epochs=${resume.epoch + 10}`);
      }
      const result = await runTraining({ config, configHash: hash, resume: resumeFile, handleSignals: true });
      if (result.stopReason === 'non_finite') {
        process.stderr.write(`error: ${result.message}\n`);
        process.exitCode = 1;
      } else if (result.stopReason === 'interrupted') {
        process.exitCode = 130;
      }
    });
}
