import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../../core/rng.js';

/**
 * Where dropout masks get their randomness. tfjs's own dropout seeds from Math.random, which
 * would make a resumed run diverge from the uninterrupted one; drawing each mask's seed from
 * this stream (saved in checkpoints) keeps training reproducible.
 */
const stream = { rng: new Rng(0x5eed) };

export function seedDropout(seed: number | RngState): void {
  stream.rng = new Rng(seed);
}

export function dropoutRngState(): RngState {
  return stream.rng.getState();
}

/**
 * The next Dropout2d mask of the stream, [batch, 1, 1, channels], each value 0 or 1/(1 − rate):
 * every engine draws the same masks from the same stream state.
 */
export function nextDropoutMask(batch: number, channels: number, rate: number): tf.Tensor4D {
  const keep = 1 - rate;
  const seed = stream.rng.nextUint32();
  return tf.tidy(() => {
    // floor(U + keep) is 1 with probability keep, 0 otherwise.
    const mask = tf.floor(tf.add(tf.randomUniform([batch, 1, 1, channels], 0, 1, 'float32', seed), keep));
    return tf.div(mask, keep) as tf.Tensor4D;
  });
}

export interface SpatialDropout2DArgs {
  rate: number;
  name?: string;
}

/**
 * PyTorch's Dropout2d for NHWC: during training, zeroes whole channels per sample (mask shape
 * [B, 1, 1, C]) and scales the rest by 1/(1 − rate); identity at inference. tfjs-layers has no
 * SpatialDropout2D, so this registers one under Keras's class name; exporters treat it as identity.
 */
export class SpatialDropout2D extends tf.layers.Layer {
  static className = 'SpatialDropout2D';
  readonly rate: number;

  constructor(args: SpatialDropout2DArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`SpatialDropout2D rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    const [batch, , , channels] = x.shape as number[];
    return tf.tidy(() => tf.mul(x, nextDropoutMask(batch, channels, this.rate)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

tf.serialization.registerClass(SpatialDropout2D);
