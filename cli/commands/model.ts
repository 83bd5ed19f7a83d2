import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { buildResNet, summarizeModel, formatSummary } from '../../train/model/index.js';

export function register(program: Command): void {
  const model = program.command('model').description('inspect the model a config builds');
  withConfigOptions(model.command('summary').description('print the layer table with output shapes and the parameter count (course report M1)'))
    .option('--classes <n>', 'number of classes (default: 200, Tiny ImageNet; the synthetic source uses dataset.synthetic.classes)')
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { classes?: string; json?: boolean }) => {
      const { config } = configFromOptions(opts);
      // Shapes and counts only: the pure-JS backend is enough and needs no start-up.
      await tf.setBackend('cpu');
      const numClasses = opts.classes ? Number(opts.classes) : config.dataset.source === 'synthetic' ? config.dataset.synthetic.classes : 200;
      const size = config.dataset.image_size;
      const net = buildResNet(config.model, { inputShape: [size, size, 3], numClasses });
      const summary = summarizeModel(net);
      net.dispose();
      printResult(
        summary,
        Boolean(opts.json),
        () =>
          `model: resnet blocks=${JSON.stringify(config.model.blocks)} widths=${JSON.stringify(config.model.widths)} dropout=${config.model.dropout} ` +
          `activation=${config.model.activation} batchnorm=${config.model.batchnorm} input=[${size}, ${size}, 3] ` +
          `classes=${numClasses}\n${formatSummary(summary)}`,
      );
    });
}
