import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as demo } from './demo.js';
import { register as data } from './data.js';
import { register as model } from './model.js';
import { register as train } from './train.js';
import { register as baselines } from './baselines.js';
import { register as sanity } from './sanity.js';
import { register as lrFind } from './lr-find.js';
import { register as grid } from './grid.js';
import { register as exportCmd } from './export.js';
import { register as inspect } from './inspect.js';
import { register as serve } from './serve.js';
import { register as evaluate } from './evaluate.js';
import { register as report } from './report.js';

/** Every command, in the order `tinynet --help` lists them. One line per command file. */
export const commands: Array<(program: Command) => void> = [
  demo,
  config,
  data,
  model,
  train,
  baselines,
  sanity,
  lrFind,
  grid,
  exportCmd,
  inspect,
  evaluate,
  serve,
  report,
];
