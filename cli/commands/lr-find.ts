import type { Command } from 'commander';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { commandLine } from '../../core/protocol-artifacts.js';
import { formatLrFind, formatMiniGrid } from '../../train/protocol/lr-find.js';
import { runLrFindForConfig, runMiniGridForConfig } from '../../train/protocol/run.js';

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('lr-find')
      .description('exponential LR sweep with smoothed loss and a suggested LR; --mini-grid: LR × weight decay ranked by final loss (course report M4)'),
  )
    .option('--mini-grid', 'run the LR × weight-decay mini-grid (lr_finder.mini_grid) instead of the sweep')
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean; miniGrid?: boolean }) => {
      const { config, hash } = configFromOptions(opts);
      if (opts.miniGrid) {
        const { result, files } = await runMiniGridForConfig(config, hash, commandLine());
        printResult(result, Boolean(opts.json), () => `${formatMiniGrid(result)}\n${files.map((f) => `wrote ${f}`).join('\n')}`);
      } else {
        const { result, files } = await runLrFindForConfig(config, hash, commandLine());
        printResult(result, Boolean(opts.json), () => `${formatLrFind(result)}\n${files.map((f) => `wrote ${f}`).join('\n')}`);
      }
    });
}
