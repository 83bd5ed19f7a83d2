import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../core/config/index.js';

export interface ConfigOptions {
  config?: string;
  set?: string[];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Every command that reads the config takes `--config FILE` and repeatable `--set key=value`. */
export function withConfigOptions(cmd: Command, defaultConfig = 'configs/config.yaml'): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file', defaultConfig)
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set train.lr=3e-4', collect, []);
}

export function configFromOptions(opts: ConfigOptions): LoadedConfig {
  return loadConfig(opts.config ?? null, opts.set ?? []);
}

/** Print a result for humans, or as JSON when asked. */
export function printResult(value: unknown, json: boolean, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}
