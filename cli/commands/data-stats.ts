import type { Command } from 'commander';
import path from 'node:path';
import { prepareDataset } from '../../dataset/prepare.js';
import { resolveUserPath } from '../../core/paths.js';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';

export function registerStats(data: Command): void {
  withConfigOptions(data.command('stats').description('split sizes, class balance, grayscale count, sizes, mean/std (+ JSON and a chart)'))
    .option('--out <dir>', 'where stats.json and class-distribution.png go (default <paths.runs>/data-stats)')
    .option('--json', 'print the stats as JSON')
    .action(async (o: ConfigOptions & { out?: string; json?: boolean }) => {
      const { config } = configFromOptions(o);
      const { writeStats, formatStats } = await import('../../dataset/stats.js'); // vega loads slowly
      const { meta } = await prepareDataset(config);
      const out = o.out ? resolveUserPath(o.out) : path.join(config.paths.runs, 'data-stats');
      const { stats, json, png } = await writeStats(meta, out);
      printResult(stats, !!o.json, () => `${formatStats(stats)}\n\nwrote ${json}\nwrote ${png}`);
    });
}
