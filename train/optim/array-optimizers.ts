/**
 * The optimizers of optimizers.ts on plain Float32Arrays, for engines that keep weights outside
 * TensorFlow.js (onnxruntime): the same update rules (PyTorch's Adam, AdamW, SGD with momentum and
 * Nesterov, weight decay as each defines it), the same slot names, one pass over each weight.
 * Arithmetic runs in float64 and is stored as float32, so results agree with the tfjs
 * optimizers to float32 rounding.
 */
import type { TrainConfig } from '../../core/config/index.js';

type Hyper = Pick<TrainConfig, 'optimizer' | 'weight_decay' | 'momentum' | 'nesterov' | 'beta1' | 'beta2'>;

const EPS = 1e-8;

export interface ArrayParam {
  name: string;
  data: Float32Array;
}

export const SLOT_NAMES: Record<TrainConfig['optimizer'], string[]> = { adam: ['m', 'v'], adamw: ['m', 'v'], sgd: ['momentum'] };

export class ArrayOptimizer {
  step = 0;
  /** Slots by `<weight>/<slot>`, in the layout the engine keeps its weights in. */
  readonly slots = new Map<string, Float32Array>();

  constructor(private readonly h: Hyper) {}

  get name(): TrainConfig['optimizer'] {
    return this.h.optimizer;
  }

  private slot(param: ArrayParam, which: string): Float32Array {
    const key = `${param.name}/${which}`;
    let s = this.slots.get(key);
    if (!s) {
      s = new Float32Array(param.data.length);
      this.slots.set(key, s);
    }
    return s;
  }

  /** One update; each gradient is multiplied by `gradScale` first (global-norm clipping). */
  apply(params: ArrayParam[], grads: Float32Array[], lr: number, gradScale = 1): void {
    this.step += 1;
    const { weight_decay: wd, beta1: b1, beta2: b2, momentum: mu, nesterov } = this.h;
    const kind = this.h.optimizer;
    const decoupled = kind === 'adamw' && wd > 0 ? 1 - lr * wd : 1;
    const l2 = kind !== 'adamw' ? wd : 0;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    params.forEach((p, i) => {
      const w = p.data;
      const g = grads[i];
      if (kind === 'sgd') {
        const buf = mu > 0 ? this.slot(p, 'momentum') : null;
        for (let j = 0; j < w.length; j++) {
          let d = g[j] * gradScale + w[j] * l2;
          if (buf) {
            const b = buf[j] * mu + d;
            buf[j] = b;
            d = nesterov ? d + b * mu : b;
          }
          w[j] -= d * lr;
        }
        return;
      }
      const m = this.slot(p, 'm');
      const v = this.slot(p, 'v');
      for (let j = 0; j < w.length; j++) {
        const wj = w[j] * decoupled;
        const d = g[j] * gradScale + wj * l2;
        const mj = m[j] * b1 + d * (1 - b1);
        const vj = v[j] * b2 + d * d * (1 - b2);
        m[j] = mj;
        v[j] = vj;
        w[j] = wj - (mj / c1 / (Math.sqrt(vj / c2) + EPS)) * lr;
      }
    });
  }
}
