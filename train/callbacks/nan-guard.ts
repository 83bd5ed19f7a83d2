import { TinynetError } from '../../core/errors.js';
import type { Callback } from '../loop/callback.js';

/**
 * Stops the run at the first non-finite loss or gradient norm, before the update touches the
 * weights: the checkpoints on disk stay the last good ones (nothing is saved after this).
 */
export function nanGuard(): Callback {
  return {
    name: 'nan_guard',
    beforeUpdate(ctx, info) {
      if (Number.isFinite(info.loss) && Number.isFinite(info.gradNorm)) return;
      const what = Number.isFinite(info.loss) ? `gradient norm ${info.gradNorm}` : `loss ${info.loss}`;
      throw new TinynetError(
        'train.non_finite',
        `training stopped: ${what} at epoch ${info.epoch + 1}, batch ${info.batch + 1} (step ${info.step}, lr ${info.lr.toExponential(2)}); the weights were not updated and the checkpoints on disk are the last good ones`,
        'lower train.lr, set train.grad_clip (e.g. 1.0), or check the data for bad values; resume from last.ckpt',
      );
    },
  };
}
