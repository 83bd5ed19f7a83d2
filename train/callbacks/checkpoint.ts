import path from 'node:path';
import { saveCheckpoint } from '../checkpoint/checkpoint.js';
import type { Callback } from '../loop/callback.js';
import type { Logger } from '../../core/log.js';
import { emaAsValMetrics } from '../loop/ema.js';

export interface CheckpointOptions {
  /** Folder for best.ckpt and last.ckpt (paths.artifacts). */
  dir: string;
  log?: Logger;
}

/**
 * best.ckpt whenever train.monitor improves, last.ckpt after every epoch and when the run is
 * interrupted (mid-epoch: it records how many batches of the epoch were done). Never after a
 * non-finite loss, so the files on disk stay the last good ones.
 */
export function modelCheckpoint(opts: CheckpointOptions): Callback {
  const best = path.join(opts.dir, 'best.ckpt');
  const last = path.join(opts.dir, 'last.ckpt');
  return {
    name: 'checkpoint',
    async onEpochEnd(ctx) {
      const state = ctx.snapshot();
      saveCheckpoint(last, ctx.model, state);
      if (ctx.improved) {
        // best.ckpt holds whichever weights validated better, so export and evaluate take them as they are.
        // Its metrics then describe those weights, so the export's provenance and `evaluate` compare like with like.
        const metrics = ctx.bestWeights === 'ema' && state.metrics ? emaAsValMetrics(state.metrics) : state.metrics;
        await ctx.withBestWeights(() => saveCheckpoint(best, ctx.model, { ...state, metrics, weightsFrom: ctx.bestWeights }));
        opts.log?.info(`saved ${best} (${ctx.best?.monitor} ${ctx.best?.value.toFixed(4)}${ctx.bestWeights === 'ema' ? ', EMA weights' : ''})`);
      }
    },
    onTrainEnd(ctx, result) {
      if (result.stopReason === 'interrupted') {
        saveCheckpoint(last, ctx.model, ctx.snapshot());
        opts.log?.info(`interrupted: saved ${last} at epoch ${ctx.epoch + 1}, batch ${ctx.batchInEpoch}; continue with --resume ${last}`);
      }
    },
  };
}
