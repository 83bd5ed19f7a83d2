import { TinynetError } from '../../core/errors.js';
import type { Callback } from '../loop/callback.js';

const HINT = 'lower train.lr, set train.grad_clip (e.g. 1.0), or check the data for bad values; resume from last.ckpt';

/**
 * Stops the run at the first non-finite loss or gradient norm, before the update touches the
 * weights, or at the end of an epoch whose train or validation loss is not finite (a model that
 * overflows in inference), before epoch-end checkpoints are written — keep it ahead of the
 * checkpoint callback. The checkpoints on disk stay the last good ones.
 */
export function nanGuard(): Callback {
  return {
    name: 'nan_guard',
    beforeUpdate(_ctx, info) {
      if (Number.isFinite(info.loss) && Number.isFinite(info.gradNorm)) return;
      const what = Number.isFinite(info.loss) ? `gradient norm ${info.gradNorm}` : `loss ${info.loss}`;
      throw new TinynetError(
        'train.non_finite',
        `training stopped: ${what} at epoch ${info.epoch + 1}, batch ${info.batch + 1} (step ${info.step}, lr ${info.lr.toExponential(2)}); the ` +
          `weights were not updated and the checkpoints on disk are the last good ones`,
        HINT,
      );
    },
    onEpochEnd(ctx, m) {
      for (const key of ['train/loss', 'val/loss'] as const) {
        if (Number.isFinite(m[key]) || (key === 'val/loss' && ctx.data.valSize === 0)) continue;
        throw new TinynetError(
          'train.non_finite',
          `training stopped: ${key === 'val/loss' ? 'validation' : 'train'} loss ${m[key]} after epoch ${m.epoch} (lr ${m.lr.toExponential(2)}); no ` +
            `checkpoint was written for this epoch, the ones on disk are the last good ones`,
          HINT,
        );
      }
    },
  };
}
