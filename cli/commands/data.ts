import type { Command } from 'commander';
import { registerSynth } from './data-synth.js';
import { registerDownload } from './data-download.js';
import { registerPrepare } from './data-prepare.js';
import { registerStats } from './data-stats.js';
import { registerPreview } from './data-preview.js';

/** `tinynet data ...`: get, generate, prepare, inspect and preview a dataset. */
export function register(program: Command): void {
  const data = program.command('data').description('get, generate, prepare and inspect datasets');
  registerDownload(data);
  registerSynth(data);
  registerPrepare(data);
  registerStats(data);
  registerPreview(data);
}
