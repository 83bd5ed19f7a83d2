/**
 * The benchmark network: the ResNet of the default model config (`tinynet train` with no model
 * keys: stages [3,3,3] × 64/128/256, dropout 0.1, BatchNorm, ReLU) on Tiny ImageNet's 64×64×3 and
 * 200 classes, built by train/model as training builds it. bench/torch_train_step.py builds the same
 * network from the same options, so its PyTorch figures compare like for like.
 */
import type * as tf from '@tensorflow/tfjs';
import { configSchema } from '../../core/config/index.js';
import { buildResNet } from '../../train/model/index.js';

export interface BenchNetwork {
  blocks: number[];
  widths: number[];
  /** Image side in pixels (square RGB input). */
  size: number;
  classes: number;
  dropout: number;
}

const defaults = configSchema.parse({});

export const BENCH_NETWORK: BenchNetwork = {
  blocks: defaults.model.blocks,
  widths: defaults.model.widths,
  size: defaults.dataset.image_size,
  classes: 200,
  dropout: defaults.model.dropout,
};

/** The default model config with these stages, widths and dropout, at this input size and class count. */
export function buildBenchNetwork(o: BenchNetwork): tf.LayersModel {
  const { model } = configSchema.parse({ model: { blocks: o.blocks, widths: o.widths, dropout: o.dropout } });
  return buildResNet(model, { inputShape: [o.size, o.size, 3], numClasses: o.classes });
}

/**
 * Forward FLOPs per image of the network's convolutions and dense layer (2 per multiply-add;
 * BatchNorm, activations and the residual adds are < 1 % and left out). A training step costs about
 * 3× this per image: the forward pass, the input gradient and the filter gradient.
 */
export function benchNetworkForwardFlops(o: BenchNetwork): number {
  const conv = (out: number, k: number, ci: number, co: number) => 2 * out * out * k * k * ci * co;
  let size = o.size;
  let flops = conv(size, 3, 3, o.widths[0]);
  let channels = o.widths[0];
  o.blocks.forEach((count, stage) => {
    const width = o.widths[stage];
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      size = Math.ceil(size / stride);
      flops += conv(size, 3, channels, width) + conv(size, 3, width, width);
      if (stride !== 1 || channels !== width) flops += conv(size, 1, channels, width);
      channels = width;
    }
  });
  return flops + 2 * channels * o.classes;
}
