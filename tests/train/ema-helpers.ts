import { emaDecay } from '../../train/loop/ema.js';
import type { Callback } from '../../train/loop/callback.js';

/**
 * The EMA by hand, from the weights after every step (snapshot() brings the engine's weights into
 * the model; a no-op for the tfjs engine), starting from `start` after `updates` updates, with warmup.
 */
export function handEma(start: Map<string, Float32Array>, updates: number, decay: number): { recorder: Callback; values: Map<string, Float64Array> } {
  const values = new Map([...start].map(([k, v]) => [k, Float64Array.from(v)]));
  const recorder: Callback = {
    name: 'recorder',
    onBatchEnd(ctx) {
      ctx.snapshot();
      const d = emaDecay(++updates, decay, true);
      for (const v of ctx.model.weights) {
        const w = v.read().dataSync() as Float32Array;
        const avg = values.get(v.originalName);
        if (!avg || d === 0) values.set(v.originalName, Float64Array.from(w));
        else for (let j = 0; j < w.length; j++) avg[j] = d * avg[j] + (1 - d) * w[j];
      }
    },
  };
  return { recorder, values };
}
