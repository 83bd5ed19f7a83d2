import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { withConfigOptions, configFromOptions, printResult, type ConfigOptions } from '../common.js';
import { commandLine } from '../../core/protocol-artifacts.js';
import { createLogger } from '../../core/log.js';
import { TinynetError } from '../../core/errors.js';
import { runGrid, formatGrid } from '../../train/protocol/grid.js';
import { startTrial, validateTrials, type GridRunContext } from '../../train/protocol/grid-trial.js';
import { submitGrid } from '../../train/protocol/grid-slurm.js';
import { gridStatus, formatStatus } from '../../train/protocol/grid-status.js';
import { formatRanking, writeSummary } from '../../train/protocol/grid-summary.js';
import { requeueSelf } from '../../train/protocol/slurm.js';

interface GridOptions extends ConfigOptions {
  json?: boolean;
  executor?: string;
  parallel?: string;
  trial?: string;
}

const log = createLogger('grid');
const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

function context(opts: GridOptions, extra: string[] = []): GridRunContext {
  const sets = [...(opts.set ?? []), ...extra];
  const { config, file } = configFromOptions({ ...opts, set: sets });
  return { config, configFile: file, baseSets: opts.set ?? [], cliPath, log };
}

const nonNegativeInt = (flag: string, v: string) => {
  if (!/^\d+$/.test(v)) throw new TinynetError('cli.bad_number', `${flag} ${v}: expected a whole number ≥ 0`);
  return Number(v);
};

/** One trial in this process: what each Slurm array task (or any other scheduler) runs. */
async function runOneTrial(ctx: GridRunContext, index: number): Promise<void> {
  const trials = validateTrials(ctx);
  const h = startTrial(ctx, trials, index);
  const underSlurm = Boolean(process.env.SLURM_JOB_ID);
  const onStop = (sig: NodeJS.Signals) => {
    // Slurm signals every process of the job itself (requeue, preemption, scancel): passing it on
    // would reach the trainer twice, and a second signal makes it exit without saving.
    if (!underSlurm) h.kill(sig);
  };
  const onTimeLimit = () => {
    log.warn(`SIGUSR2: the time limit is near; saving last.ckpt, then requeueing`);
    h.kill('SIGUSR2');
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGUSR2', onTimeLimit);
  try {
    const outcome = await h.done;
    if (outcome === 'skipped') log.info(`[${index}] ${h.trial.name}: finished earlier, nothing to do`);
    if (outcome === 'time_limit') {
      const r = await requeueSelf();
      (r.ok ? log.info : log.warn)(`[${index}] ${h.trial.name}: ${r.message}${r.ok ? '; it continues from last.ckpt when it starts again' : ''}`);
    }
    process.exitCode = outcome === 'failed' ? 1 : outcome === 'interrupted' || outcome === 'time_limit' ? 130 : 0;
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    process.off('SIGUSR2', onTimeLimit);
  }
}

export function register(program: Command): void {
  const grid = withConfigOptions(
    program
      .command('grid')
      .description(
        'train every combination of grid.params (one process per trial, short budget, same seed); ranked summary; re-run to resume (course report ' +
          'M5). On Slurm: --executor slurm submits one job array',
      )
      .enablePositionalOptions(),
  )
    .option('--executor <kind>', 'local | slurm (overrides grid.executor)')
    .option('--parallel <n>', 'local executor: trials at once (overrides grid.parallel)')
    .option('--trial <k>', "run trial K alone (0-based, in the grid's order): what each Slurm array task runs")
    .option('--json', 'print the result as JSON')
    .action(async (opts: GridOptions) => {
      const extra = [...(opts.executor ? [`grid.executor=${opts.executor}`] : []), ...(opts.parallel ? [`grid.parallel=${opts.parallel}`] : [])];
      const ctx = context(opts, extra);
      if (opts.trial !== undefined) return runOneTrial(ctx, nonNegativeInt('--trial', opts.trial));
      if (ctx.config.grid.executor === 'slurm') {
        const r = await submitGrid(ctx);
        printResult(r, Boolean(opts.json), () =>
          r.submission
            ? [
                `grid ${ctx.config.grid.name}: submitted Slurm job array ${r.submission.job_id} with ${r.submission.indices.length} of ${r.trials} ` +
                  `trials (${r.finished} finished, ${r.queued} already queued)`,
                `script ${r.submission.script}`,
                `follow it: tinynet grid status${opts.config ? ` --config ${opts.config}` : ''}   (or squeue -j ${r.submission.job_id})`,
                `when it is done: tinynet grid summarize${opts.config ? ` --config ${opts.config}` : ''}`,
              ].join('\n')
            : `grid ${ctx.config.grid.name}: nothing to submit (${r.finished} of ${r.trials} trials finished, ${r.queued} queued or running)`,
        );
        return;
      }
      const outcome = await runGrid({ ...ctx, command: commandLine() });
      printResult(outcome.summary, Boolean(opts.json), () => formatGrid(outcome));
      if (outcome.interrupted) process.exitCode = 130;
      else if (outcome.failed.length) process.exitCode = 1;
    });

  withConfigOptions(
    grid.command('status').description("each trial's state (done, running, pending, failed with the reason, not started), from the trial folders and squeue"),
  )
    .option('--json', 'print the status as JSON')
    .action(async (opts: GridOptions) => {
      const ctx = context(opts);
      const status = await gridStatus(ctx, validateTrials(ctx));
      printResult(status, Boolean(opts.json), () => formatStatus(status));
    });

  withConfigOptions(grid.command('summarize').description('write the ranked table (summary.json/.csv/.md/.png) of the trials that finished'))
    .option('--json', 'print the summary as JSON')
    .action(async (opts: GridOptions) => {
      const ctx = context(opts);
      const trials = validateTrials(ctx);
      const status = await gridStatus(ctx, trials);
      const open = new Map(status.rows.filter((r) => r.state !== 'done').map((r) => [r.trial, r.state]));
      const { summary, files } = await writeSummary(ctx.config, trials, open, commandLine());
      printResult(summary, Boolean(opts.json), () =>
        formatRanking(`grid ${summary.name}: ${status.counts.done} of ${summary.rows.length} trials finished, ranked by ${summary.metric}`, summary, files),
      );
    });
}
