import type { Command } from 'commander';
import { prepareDataset } from '../../dataset/prepare.js';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';

export function registerPrepare(data: Command): void {
  withConfigOptions(data.command('prepare').description('decode the dataset once into the cache (splits, labels, meta.json)'))
    .option('--force', 'rebuild even when the cache matches the source and config')
    .option('--json', 'print meta.json')
    .action(async (o: ConfigOptions & { force?: boolean; json?: boolean }) => {
      const { config } = configFromOptions(o);
      const { dir, meta, reused } = await prepareDataset(config, { force: o.force });
      printResult({ dir, reused, meta }, !!o.json, () =>
        [
          `${reused ? 'reused' : 'prepared'} ${dir}`,
          `train ${meta.splits.train.size} · val ${meta.splits.val.size} · test ${meta.splits.test.size} images, ${meta.num_classes} classes, input ` +
            `${meta.input_shape.join('×')} (${meta.resize})`,
          `mean ${meta.mean.map((v) => v.toFixed(4)).join(', ')}  std ${meta.std.map((v) => v.toFixed(4)).join(', ')}`,
        ].join('\n'),
      );
    });
}
