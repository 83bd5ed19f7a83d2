import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as data } from './data.js';

/** Every command, in the order `tinynet --help` lists them. One line per command file. */
export const commands: Array<(program: Command) => void> = [config, data];
