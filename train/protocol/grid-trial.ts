/**
 * One grid trial: its own `tinynet train --resume auto` process in `<grid>/<trial>/`, with the log
 * in train.log, what it is doing in state.json and, once it finished, result.json. Stopped early
 * (a signal, a scheduler's requeue), it leaves last.ckpt behind and the next start continues from it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../../core/config/index.js';
import { loadConfig } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { writeFileAtomicSync } from '../../core/atomic.js';
import { gridPaths, type GridTrialResult, type GridTrialState } from '../../core/protocol-artifacts.js';
import { currentSlurmJob } from './slurm.js';
import { bestOf, expandGrid, readTrialHistory, type Trial } from './grid-trials.js';

export interface GridRunContext {
  config: Config;
  /** The config file the trials load (null = built-in defaults) and the user's extra --set. */
  configFile: string | null;
  baseSets: string[];
  /** dist/cli/main.js of this tinynet. */
  cliPath: string;
  /** Working directory the trials run in (relative config paths resolve against it); default process.cwd(). */
  cwd?: string;
  log?: Logger;
}

export type TrialOutcome = 'done' | 'skipped' | 'failed' | 'interrupted' | 'time_limit';

export interface TrialHandle {
  trial: Trial;
  /** Resolves once the trial process exited and its state/result files are written. */
  done: Promise<TrialOutcome>;
  /** Pass a signal on to the training process (it saves last.ckpt and stops on INT, TERM and USR2). */
  kill(sig: NodeJS.Signals): void;
}

/** The budget every trial trains with. */
export const trialBudget = (c: Config) => [`train.epochs=${c.grid.epochs}`, `train.max_steps_per_epoch=${c.grid.max_steps_per_epoch}`];

/** Every trial's config loads, checked before the first process starts: a typo fails in a second, not an hour in. */
export function validateTrials(ctx: GridRunContext): Trial[] {
  const trials = expandGrid(ctx.config.grid.params);
  for (const t of trials) {
    try {
      loadConfig(ctx.configFile, [...ctx.baseSets, ...t.sets, ...trialBudget(ctx.config)], ctx.cwd);
    } catch (err) {
      if (err instanceof TinynetError)
        throw new TinynetError('grid.bad_trial', `grid trial ${t.name}: ${err.message}`, 'fix grid.params (dotted config keys → lists of values)');
      throw err;
    }
  }
  return trials;
}

/** Trial `index` of the grid's deterministic order, or a clear error when there is none. */
export function trialAt(trials: Trial[], index: number, gridName: string): Trial {
  if (!Number.isInteger(index) || index < 0 || index >= trials.length) {
    throw new TinynetError(
      'grid.trial_out_of_range',
      `--trial ${index}: grid ${gridName} has ${trials.length} trials, numbered 0 to ${trials.length - 1}`,
      '`tinynet grid status` lists them with their numbers',
    );
  }
  return trials[index];
}

/** The trial's result.json when it finished with these parameters and this metric. */
export function finishedResult(ctx: GridRunContext, t: Trial): GridTrialResult | null {
  const file = gridPaths(path.join(ctx.config.paths.runs, 'grid'), ctx.config.grid.name).trialResult(t.name);
  if (!existsSync(file)) return null;
  const done = JSON.parse(readFileSync(file, 'utf8')) as GridTrialResult;
  return isDeepStrictEqual(done.params, t.params) && done.metric === ctx.config.grid.metric ? done : null;
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);

/** The last line of a log that says something (what `grid status` shows for a failed trial). */
export function lastLogLine(file: string): string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? null;
}

/** Start trial `index`; a finished one resolves to 'skipped' without starting anything. */
export function startTrial(ctx: GridRunContext, trials: Trial[], index: number): TrialHandle {
  const { config } = ctx;
  const g = config.grid;
  const t = trialAt(trials, index, g.name);
  const gp = gridPaths(path.join(config.paths.runs, 'grid'), g.name);
  if (finishedResult(ctx, t)) return { trial: t, done: Promise.resolve('skipped'), kill: () => {} };

  const dir = gp.trialDir(t.name);
  mkdirSync(dir, { recursive: true });
  const artifacts = path.join(dir, 'artifacts');
  const restarts = Number(process.env.SLURM_RESTART_COUNT ?? 0) || 0;
  const writeState = (state: GridTrialState['state'], reason: string | null) => {
    const doc: GridTrialState = {
      kind: 'tinynet-grid-trial-state',
      trial: t.name,
      index,
      state,
      reason,
      host: hostname(),
      pid: process.pid,
      slurm_job: currentSlurmJob(),
      restarts,
      updated_at: new Date().toISOString(),
    };
    writeFileAtomicSync(gp.trialState(t.name), `${JSON.stringify(doc, null, 1)}\n`);
  };
  const args = [
    ctx.cliPath,
    'train',
    '--resume',
    'auto',
    ...(ctx.configFile ? ['--config', ctx.configFile] : []),
    ...[...ctx.baseSets, ...t.sets, ...trialBudget(config), `paths.artifacts=${artifacts}`, `paths.runs=${gp.dir}`, `train.experiment=${t.name}`].flatMap(
      (s) => ['--set', s],
    ),
  ];
  const commandText = `tinynet ${args.slice(1).map(quote).join(' ')}`;
  const logFile = gp.trialLog(t.name);
  ctx.log?.info(
    `[${index}] ${t.name}: training (${g.epochs} ` +
      `epochs${g.max_steps_per_epoch ? ` × ≤ ${g.max_steps_per_epoch} steps` : ''}${restarts ? `, restart ${restarts}` : ''}); log in ${logFile}`,
  );
  writeState('running', null);
  const started = performance.now();
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess | null = null;
  let timeLimit = false;
  let stopped = false;

  const done = (async (): Promise<TrialOutcome> => {
    let code: number | null;
    let signal: NodeJS.Signals | null;
    try {
      ({ code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        // Its own process group: a terminal's Ctrl-C reaches the grid only, which passes it on once
        // (a second INT would make the trainer exit without saving).
        child = spawn(process.execPath, args, {
          cwd: ctx.cwd ?? process.cwd(),
          detached: true,
          stdio: ['ignore', logFd, logFd],
          env: { ...process.env, TINYNET_LOG: process.env.TINYNET_GRID_CHILD_LOG ?? 'info', TINYNET_GRID_TRIAL: t.name },
        });
        child.on('error', reject);
        child.on('exit', (c, s) => resolve({ code: c, signal: s }));
      }));
    } finally {
      child = null;
      closeSync(logFd);
    }
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) {
      if (timeLimit) {
        writeState('requeued', 'stopped before the time limit; last.ckpt saved');
        return 'time_limit';
      }
      if (stopped || code === 130 || signal) {
        writeState('interrupted', `stopped by a signal${signal ? ` (${signal})` : ''}; last.ckpt saved`);
        return 'interrupted';
      }
      const reason = `train exited with code ${code}: ${lastLogLine(logFile) ?? 'no log'}`;
      writeState('failed', reason);
      ctx.log?.warn(`${t.name}: ${reason}`);
      return 'failed';
    }
    const read = readTrialHistory(artifacts);
    if (!read) {
      writeState('failed', 'train finished without writing a history');
      return 'failed';
    }
    const best = bestOf(read.history, g.metric);
    const result: GridTrialResult = {
      kind: 'tinynet-grid-trial',
      trial: t.name,
      params: t.params,
      metric: g.metric,
      value: best.value,
      best_epoch: best.epoch,
      stop_reason: read.stopReason,
      seconds,
      history: read.history,
      command: commandText,
      finished_at: new Date().toISOString(),
      restarts,
    };
    writeFileAtomicSync(gp.trialResult(t.name), `${JSON.stringify(result, null, 1)}\n`);
    writeState('done', null);
    ctx.log?.info(`${t.name}: ${g.metric} ${best.value?.toFixed(4) ?? 'n/a'} (epoch ${best.epoch ?? '-'}) in ${seconds.toFixed(1)} s`);
    return 'done';
  })();

  return {
    trial: t,
    done,
    kill(sig) {
      stopped = true;
      if (sig === 'SIGUSR2') timeLimit = true;
      (child as ChildProcess | null)?.kill(sig);
    },
  };
}
