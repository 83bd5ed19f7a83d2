#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { TINYNET_VERSION } from '../core/paths.js';
import { isTinynetError } from '../core/errors.js';

export function buildProgram(): Command {
  const program = new Command('tinynet')
    .description('Train an image classifier, export it to ONNX, serve it over REST and in the browser.')
    .version(TINYNET_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Options belong to the command they follow: `grid status --config C` gives C to `status`, not to `grid`.
    .enablePositionalOptions();
  for (const register of commands) register(program);
  return program;
}

/** Exit codes: 0 ok, 1 a failed check or run, 2 bad input (config, files, flags). */
export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (isTinynetError(err)) {
      process.stderr.write(`error: ${err.describe()}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

const code = await main();
// Let pending output flush; tfjs/onnxruntime keep handles alive, so exit explicitly.
process.exitCode = code;
if (!process.env.TINYNET_NO_EXIT) setImmediate(() => process.exit(code));
