import type { Command } from 'commander';
import YAML from 'yaml';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';

export function register(program: Command): void {
  const config = program.command('config').description('inspect configuration');
  withConfigOptions(config.command('show').description('print the resolved config (defaults, file and --set applied)'))
    .option('--json', 'print JSON instead of YAML')
    .action((opts: ConfigOptions & { json?: boolean }) => {
      const { config: resolved, file, hash } = configFromOptions(opts);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ file, hash, config: resolved }, null, 2)}\n`);
      } else {
        process.stdout.write(`# from ${file ?? 'built-in defaults'} (sha256 ${hash.slice(0, 12)})\n${YAML.stringify(resolved)}`);
      }
    });
}
