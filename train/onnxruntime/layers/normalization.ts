/**
 * BatchNormalization over the channel axis of NCHW values. Training: batch mean and biased
 * variance, running statistics moved as tfjs-layers moves them (new = m·old + (1 − m)·batch; the
 * model's momentum 0.9 is PyTorch's 0.1). Evaluation: the running statistics, as inference does.
 */
import { attr } from '../../../onnx/ir.js';
import { registerLayer, unsupportedConfig } from './registry.js';

registerLayer('BatchNormalization', (ctx) => {
  const { tg, config } = ctx;
  const x = ctx.inputs[0];
  const dims = tg.shape(x);
  const axis = Array.isArray(config.axis) ? config.axis[0] : config.axis;
  if (dims.length !== 4 || !(axis === -1 || axis === 3))
    throw unsupportedConfig(ctx, `axis ${JSON.stringify(config.axis)} on a rank-${dims.length} input (only the channel axis of images)`);
  const channels = Number(dims[1]);
  const ones = () => tg.setShape(tg.g.constFloat(`${ctx.scope}/ones`, new Float32Array(channels).fill(1), [channels]), [channels]);
  const zeros = () => tg.setShape(tg.g.constFloat(`${ctx.scope}/zeros`, new Float32Array(channels), [channels]), [channels]);
  const gamma = config.scale === false ? ones() : ctx.weight('gamma');
  const beta = config.center === false ? zeros() : ctx.weight('beta');
  const mean = ctx.weight('moving_mean');
  const variance = ctx.weight('moving_variance');
  const epsilon = attr.float(Number(config.epsilon ?? 1e-3));
  if (ctx.mode === 'eval') {
    return [tg.op('BatchNormalization', [x, gamma, beta, mean, variance], { epsilon }, dims, `${ctx.scope}/BatchNormalization`)];
  }
  const [y, nextMean, nextVar] = tg.multi(
    'tinynet.BatchNormTraining',
    [x, gamma, beta, mean, variance],
    { epsilon, momentum: attr.float(Number(config.momentum ?? 0.99)) },
    [dims, [channels], [channels], [1, channels, 1, 1], [1, channels, 1, 1]],
    `${ctx.scope}/BatchNormTraining`,
  );
  ctx.updates('moving_mean', nextMean);
  ctx.updates('moving_variance', nextVar);
  return [y];
});
