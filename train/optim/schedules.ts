import type { TrainConfig } from '../../core/config/index.js';

/** Learning rate as a function of the optimizer step (0-based); evaluated every step. */
export type LrSchedule = (step: number) => number;

export interface ScheduleShape {
  stepsPerEpoch: number;
  epochs: number;
}

const cosineBetween = (hi: number, lo: number, t: number) => lo + ((hi - lo) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, t))))) / 2;

/**
 * Per-step learning rates for `train.schedule`:
 * - constant: `lr`.
 * - step: `lr · gamma^⌊epoch / step_size⌋` (PyTorch StepLR, stepped per epoch).
 * - cosine: cosine from `lr` to `min_lr` over all steps (CosineAnnealingLR, per step).
 * - warmup_cosine: linear rise from lr/warmup_steps to `lr` over `warmup_epochs`, then cosine to `min_lr`.
 * - one_cycle: PyTorch OneCycleLR (cosine anneal): from max/25 up to `max_lr` (default `lr`) over
 *   `warmup_epochs` (0 → 30 % of the run), then down to max/25/1e4.
 * - cosine_restarts: SGDR (CosineAnnealingWarmRestarts): cycles of `restart_period` epochs, each
 *   `restart_mult` × longer than the last, cosine from `lr` to `min_lr` inside each.
 */
export function createSchedule(train: Pick<TrainConfig, 'lr' | 'schedule'>, shape: ScheduleShape): LrSchedule {
  const { lr } = train;
  const s = train.schedule;
  const spe = Math.max(1, shape.stepsPerEpoch);
  const total = Math.max(1, spe * shape.epochs);
  switch (s.name) {
    case 'constant':
      return () => lr;
    case 'step':
      return (step) => lr * s.gamma ** Math.floor(Math.floor(step / spe) / s.step_size);
    case 'cosine':
      return (step) => cosineBetween(lr, s.min_lr, step / total);
    case 'warmup_cosine': {
      const warm = Math.min(total, Math.round(s.warmup_epochs * spe));
      return (step) => (step < warm ? (lr * (step + 1)) / warm : cosineBetween(lr, s.min_lr, (step - warm) / Math.max(1, total - warm)));
    }
    case 'one_cycle': {
      const maxLr = s.max_lr ?? lr;
      const initial = maxLr / 25;
      const final = initial / 1e4;
      const pct = s.warmup_epochs > 0 ? Math.min(1, s.warmup_epochs / shape.epochs) : 0.3;
      const up = Math.max(1, pct * total - 1);
      const down = Math.max(1, total - 1 - up);
      return (step) => (step <= up ? cosineBetween(initial, maxLr, step / up) : cosineBetween(maxLr, final, (step - up) / down));
    }
    case 'cosine_restarts': {
      const first = s.restart_period * spe;
      return (step) => {
        let period = first;
        let t = step;
        while (t >= period) {
          t -= period;
          period = Math.max(1, Math.round(period * s.restart_mult));
        }
        return cosineBetween(lr, s.min_lr, t / period);
      };
    }
  }
}
