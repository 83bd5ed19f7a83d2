import type { Command } from 'commander';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { commandLine } from '../../core/protocol-artifacts.js';
import { formatSanity } from '../../train/protocol/sanity.js';
import { runSanityForConfig } from '../../train/protocol/run.js';

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('sanity')
      .description(
        'batch shape, initial loss vs ln(num_classes), gradients of every tensor, overfit a small subset (course report D11, M2, M3); exit 1 when a ' +
          'check fails',
      ),
  )
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config, hash } = configFromOptions(opts);
      const { result, file } = await runSanityForConfig(config, hash, commandLine());
      printResult(result, Boolean(opts.json), () => `${formatSanity(result)}\nwrote ${file}`);
      if (!result.passed) process.exitCode = 1;
    });
}
