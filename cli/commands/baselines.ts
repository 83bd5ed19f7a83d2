import type { Command } from 'commander';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { commandLine } from '../../core/protocol-artifacts.js';
import { runBaselinesForConfig, formatBaselines } from '../../train/protocol/baselines.js';

export function register(program: Command): void {
  withConfigOptions(
    program.command('baselines').description('majority-class and uniform-random predictors on val and test: accuracy and macro-F1 (course report M0)'),
  )
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = configFromOptions(opts);
      const { result, file } = await runBaselinesForConfig(config, commandLine());
      printResult(result, Boolean(opts.json), () => `${formatBaselines(result)}\n\nwrote ${file}`);
    });
}
