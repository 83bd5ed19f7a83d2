import { writeFileAtomicSync } from '../../core/atomic.js';
import { commandLine, type HistoryFile } from '../../core/protocol-artifacts.js';
import type { Callback, TrainerContext } from '../loop/callback.js';

/**
 * `history.json` beside the checkpoints, rewritten (atomically) after every epoch and at the end:
 * the per-epoch metrics, the best epoch, the config and the command — what `tinynet report`
 * and `tinynet grid` read without loading a checkpoint or TensorFlow.js.
 */
export function historyWriter(opts: { file: string; configHash: string; command?: string }): Callback {
  const command = opts.command ?? commandLine();
  const write = (ctx: TrainerContext, stopReason: string | null) => {
    const doc: HistoryFile = {
      kind: 'tinynet-history',
      experiment: ctx.config.train.experiment,
      config_hash: opts.configHash,
      seed: ctx.config.seed,
      config: ctx.config,
      command,
      backend: ctx.backend,
      updated_at: new Date().toISOString(),
      stop_reason: stopReason,
      best: ctx.best,
      history: ctx.history,
    };
    writeFileAtomicSync(opts.file, `${JSON.stringify(doc, null, 1)}\n`);
  };
  return {
    name: 'history',
    onEpochEnd(ctx) {
      write(ctx, null);
    },
    onTrainEnd(ctx, result) {
      write(ctx, result.stopReason);
    },
  };
}
