import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { activationLayer } from './activation.js';
import { SpatialDropout2D } from './spatial-dropout.js';
import { Rng } from '../../core/rng.js';

export interface ModelShape {
  /** [height, width, channels] of one input image (NHWC). */
  inputShape: [number, number, number];
  numClasses: number;
}

/** PyTorch BatchNorm2d defaults (momentum 0.1 = Keras 0.9, eps 1e-5), so numbers compare with the course report's PyTorch model. */
const BN_ARGS = { axis: -1, momentum: 0.9, epsilon: 1e-5 } as const;

/**
 * The course report's residual network (NHWC): stem Conv3×3 → BN → act; stages of N blocks, the first block
 * of every stage after the first with stride 2; GAP → Dense(num_classes) giving logits.
 * Layer names are stable (stem_conv, s2b1_conv1, ...) so checkpoints, summaries and the ONNX
 * exporter can refer to them. Convs carry a bias only when batchnorm is off (BN's beta replaces it).
 * With `seed`, every initializer gets its own seed drawn from it: the same seed builds the same weights.
 */
export function buildResNet(cfg: ModelConfig, shape: ModelShape, opts: { seed?: number } = {}): tf.LayersModel {
  if (cfg.blocks.length !== cfg.widths.length) {
    throw new TinynetError('model.invalid', `model.blocks (${cfg.blocks.length} stages) and model.widths (${cfg.widths.length}) differ in length`);
  }
  if (!(shape.numClasses >= 2)) throw new TinynetError('model.invalid', `num_classes must be ≥ 2, got ${shape.numClasses}`);
  const useBias = !cfg.batchnorm;
  const seeds = opts.seed === undefined ? null : new Rng(opts.seed);
  const nextSeed = () => (seeds ? seeds.nextUint32() : undefined);
  const conv = (filters: number, kernel: number, strides: number, name: string) =>
    tf.layers.conv2d({
      filters,
      kernelSize: kernel,
      strides,
      padding: 'same',
      useBias,
      kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
      name,
    });
  const norm = (x: tf.SymbolicTensor, name: string) => (cfg.batchnorm ? (tf.layers.batchNormalization({ ...BN_ARGS, name }).apply(x) as tf.SymbolicTensor) : x);
  const act = (x: tf.SymbolicTensor, name: string) => activationLayer(cfg.activation, name).apply(x) as tf.SymbolicTensor;

  const input = tf.input({ shape: shape.inputShape, name: 'image' });
  let x = conv(cfg.widths[0], 3, 1, 'stem_conv').apply(input) as tf.SymbolicTensor;
  x = act(norm(x, 'stem_bn'), 'stem_act');
  let channels = cfg.widths[0];

  cfg.blocks.forEach((count, stage) => {
    const width = cfg.widths[stage];
    for (let b = 0; b < count; b++) {
      const p = `s${stage + 1}b${b + 1}`;
      const stride = stage > 0 && b === 0 ? 2 : 1;
      let y = conv(width, 3, stride, `${p}_conv1`).apply(x) as tf.SymbolicTensor;
      y = act(norm(y, `${p}_bn1`), `${p}_act1`);
      if (cfg.dropout > 0) y = new SpatialDropout2D({ rate: cfg.dropout, name: `${p}_drop` }).apply(y) as tf.SymbolicTensor;
      y = conv(width, 3, 1, `${p}_conv2`).apply(y) as tf.SymbolicTensor;
      y = norm(y, `${p}_bn2`);
      let shortcut = x;
      if (stride !== 1 || channels !== width) {
        shortcut = norm(conv(width, 1, stride, `${p}_proj`).apply(x) as tf.SymbolicTensor, `${p}_proj_bn`);
      }
      x = act(tf.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as tf.SymbolicTensor, `${p}_out`);
      channels = width;
    }
  });

  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: shape.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: 'logits' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'resnet' });
}
