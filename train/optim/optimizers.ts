import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import type { OptimizerState } from '../types.js';
import type { RawTensor } from '../checkpoint/format.js';

/** A trainable weight as the optimizer sees it: a stable name (for checkpoints) and its variable. */
export interface Param {
  name: string;
  variable: tf.Variable;
}

/**
 * Optimizers with PyTorch's update rules, written here because tfjs has no AdamW, keeps Adam's
 * slots private, and sets the learning rate at construction. The learning rate is given per step.
 * weight_decay: adam and sgd add it as an L2 term to the gradient (torch.optim.Adam/SGD
 * `weight_decay`); adamw decays the weights directly, decoupled from the gradient (torch.optim.AdamW).
 * Applied to every trainable weight (biases and BatchNorm γ/β included), as PyTorch does by default.
 */
export interface Optimizer {
  readonly name: TrainConfig['optimizer'];
  /** Steps applied so far. */
  readonly step: number;
  /** Apply one update; `grads[i]` belongs to `params[i]`. Does not dispose the gradients. */
  apply(params: Param[], grads: tf.Tensor[], lr: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState, params: Param[]): void;
  dispose(): void;
}

type Hyper = Pick<TrainConfig, 'optimizer' | 'weight_decay' | 'momentum' | 'nesterov' | 'beta1' | 'beta2'>;

const EPS = 1e-8;

class SlotOptimizer implements Optimizer {
  step = 0;
  private readonly slots = new Map<string, tf.Variable>();

  constructor(
    readonly name: TrainConfig['optimizer'],
    private readonly h: Hyper,
    private readonly slotNames: string[],
  ) {}

  private slot(param: Param, which: string): tf.Variable {
    const key = `${param.name}/${which}`;
    let v = this.slots.get(key);
    if (!v) {
      const init = tf.zerosLike(param.variable);
      v = tf.variable(init, false);
      init.dispose();
      this.slots.set(key, v);
    }
    return v;
  }

  apply(params: Param[], grads: tf.Tensor[], lr: number): void {
    this.step += 1;
    const { weight_decay: wd, beta1: b1, beta2: b2, momentum: mu, nesterov } = this.h;
    const t = this.step;
    tf.tidy(() => {
      params.forEach((p, i) => {
        const w = p.variable;
        let g = grads[i];
        if (this.name === 'adamw') {
          if (wd > 0) w.assign(tf.mul(w, 1 - lr * wd));
        } else if (wd > 0) {
          g = tf.add(g, tf.mul(w, wd));
        }
        if (this.name === 'sgd') {
          if (mu > 0) {
            const buf = this.slot(p, 'momentum');
            buf.assign(tf.add(tf.mul(buf, mu), g));
            g = nesterov ? tf.add(g, tf.mul(buf, mu)) : buf;
          }
          w.assign(tf.sub(w, tf.mul(g, lr)));
          return;
        }
        const m = this.slot(p, 'm');
        const v = this.slot(p, 'v');
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const mHat = tf.div(m, 1 - b1 ** t);
        const vHat = tf.div(v, 1 - b2 ** t);
        w.assign(tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), EPS)), lr)));
      });
    });
  }

  getState(): OptimizerState {
    const slots: RawTensor[] = [...this.slots.entries()].map(([name, v]) => ({
      name,
      shape: [...v.shape],
      dtype: 'float32',
      data: new Float32Array(v.dataSync() as Float32Array),
    }));
    return { name: this.name, step: this.step, slots };
  }

  setState(state: OptimizerState, params: Param[]): void {
    if (state.name !== this.name) {
      throw new TinynetError(
        'train.optimizer_mismatch',
        `the checkpoint's optimizer state is for ${state.name}, this run uses ${this.name}`,
        `resume with --set train.optimizer=${state.name}, or start a new run`,
      );
    }
    const byName = new Map(params.map((p) => [p.name, p]));
    this.dispose();
    for (const s of state.slots) {
      const cut = s.name.lastIndexOf('/');
      const param = byName.get(s.name.slice(0, cut));
      if (!param || !this.slotNames.includes(s.name.slice(cut + 1)) || param.variable.shape.join() !== s.shape.join()) {
        throw new TinynetError(
          'train.optimizer_mismatch',
          `optimizer slot ${s.name} [${s.shape}] does not fit this model`,
          'resume with the model config the checkpoint was trained with',
        );
      }
      const init = tf.tensor(s.data, s.shape, 'float32');
      this.slots.set(s.name, tf.variable(init, false));
      init.dispose();
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}

export function createOptimizer(train: Hyper): Optimizer {
  switch (train.optimizer) {
    case 'adam':
    case 'adamw':
      return new SlotOptimizer(train.optimizer, train, ['m', 'v']);
    case 'sgd':
      return new SlotOptimizer('sgd', train, ['momentum']);
  }
}
