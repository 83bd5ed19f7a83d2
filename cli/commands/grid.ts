import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { commandLine } from '../../core/protocol-artifacts.js';
import { createLogger } from '../../core/log.js';
import { runGrid, formatGrid } from '../../train/protocol/grid.js';

export function register(program: Command): void {
  withConfigOptions(program.command('grid').description('train every combination of grid.params (one process per trial, short budget, same seed); ranked summary; re-run to resume (course report M5)'))
    .option('--json', 'print the summary as JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config, file } = configFromOptions(opts);
      const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');
      const outcome = await runGrid({ config, configFile: file, baseSets: opts.set ?? [], cliPath, command: commandLine(), log: createLogger('grid') });
      printResult(outcome.summary, Boolean(opts.json), () => formatGrid(outcome));
      if (outcome.interrupted) process.exitCode = 130;
      else if (outcome.failed.length) process.exitCode = 1;
    });
}
