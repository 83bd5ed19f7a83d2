/**
 * Seed M5 on this machine: every combination of grid.params trained by its own `tinynet train`
 * process with the same seed and the short budget (grid.epochs, grid.max_steps_per_epoch), under
 * `<paths.runs>/grid/<grid.name>/<trial>/`, grid.parallel of them at once. A trial is done when its
 * `result.json` exists with the same parameters: a re-run skips it, and an interrupted one continues
 * from its last.ckpt, so a stopped grid resumes where it stopped.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { gridPaths, type GridSummaryFile } from '../../core/protocol-artifacts.js';
import { finishedResult, startTrial, validateTrials, type GridRunContext, type TrialHandle } from './grid-trial.js';
import { formatRanking, writeSummary, type SummaryFiles } from './grid-summary.js';

export { expandGrid, trialName, bestOf, readTrialHistory, type Trial } from './grid-trials.js';
export { summaryCsv, summaryMarkdown } from './grid-summary.js';

export interface GridOptions extends GridRunContext {
  command: string;
  /** Stop after this many trials ran in this call (tests simulate an interruption with it). */
  maxTrials?: number;
}

export interface GridOutcome {
  summary: GridSummaryFile;
  ran: string[];
  skipped: string[];
  failed: string[];
  interrupted: boolean;
  files: SummaryFiles;
}

export async function runGrid(opts: GridOptions): Promise<GridOutcome> {
  const { config } = opts;
  const trials = validateTrials(opts);
  mkdirSync(gridPaths(path.join(config.paths.runs, 'grid'), config.grid.name).dir, { recursive: true });
  const ran: string[] = [];
  const skipped: string[] = [];
  const failed: string[] = [];
  const status = new Map<string, string>();
  const running = new Set<TrialHandle>();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!interrupted) opts.log?.warn(`${sig}: stopping the grid after the running trials are saved; run the same command again to resume`);
    interrupted = true;
    for (const h of running) h.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let next = 0;
  const worker = async () => {
    while (!interrupted && next < trials.length) {
      const index = next++;
      const t = trials[index];
      if (finishedResult(opts, t)) {
        skipped.push(t.name);
        opts.log?.info(`[${index}] ${t.name}: finished earlier, skipped`);
        continue;
      }
      if (opts.maxTrials !== undefined && ran.length + failed.length + running.size >= opts.maxTrials) {
        interrupted = true;
        break;
      }
      const h = startTrial(opts, trials, index);
      running.add(h);
      const outcome = await h.done;
      running.delete(h);
      if (outcome === 'skipped') skipped.push(h.trial.name);
      else if (outcome === 'done') ran.push(h.trial.name);
      else if (outcome === 'failed') {
        failed.push(h.trial.name);
        status.set(h.trial.name, 'failed (see train.log)');
      } else {
        interrupted = true;
        status.set(h.trial.name, 'interrupted');
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(config.grid.parallel, trials.length) }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { summary, files } = await writeSummary(config, trials, status, opts.command);
  return { summary, ran, skipped, failed, interrupted, files };
}

export function formatGrid(o: GridOutcome): string {
  const s = o.summary;
  const head =
    `grid ${s.name}: ${s.rows.length} trials (${o.ran.length} run now, ${o.skipped.length} finished earlier, ${o.failed.length} ` +
    `failed)${o.interrupted ? ' — INTERRUPTED: run the same command again to resume' : ''}`;
  return formatRanking(head, s, o.files);
}
