import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as model } from './model.js';
import { register as serve } from './serve.js';
import { register as evaluate } from './evaluate.js';

/** Every command, in the order `tinynet --help` lists them. One line per command file. */
export const commands: Array<(program: Command) => void> = [config, model, evaluate, serve];
