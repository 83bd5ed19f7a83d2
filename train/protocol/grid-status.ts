/**
 * `tinynet grid status`: where each trial is, read from its folder (result.json, state.json,
 * train.log) and, for a Slurm grid, from `squeue` when this machine has it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { gridPaths, type GridTrialState } from '../../core/protocol-artifacts.js';
import { squeueStates } from './slurm.js';
import { finishedResult, lastLogLine, type GridRunContext } from './grid-trial.js';
import type { Trial } from './grid-trials.js';
import type { Config } from '../../core/config/index.js';

/** One `sbatch` of the grid: its job id and the trial indices (array tasks) it holds. */
export interface SlurmSubmission {
  job_id: string;
  indices: number[];
  script: string;
  submitted_at: string;
}

export function readSubmissions(config: Config): SlurmSubmission[] {
  const file = gridPaths(path.join(config.paths.runs, 'grid'), config.grid.name).slurmJobs;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SlurmSubmission[]) : [];
}

export type TrialStatusName = 'done' | 'running' | 'pending' | 'failed' | 'interrupted' | 'not started';

export interface TrialStatus {
  index: number;
  trial: string;
  state: TrialStatusName;
  /** The metric for a finished trial, why for a failed or stopped one, the Slurm job for a queued one. */
  detail: string;
  value: number | null;
  slurm_job: string | null;
}

export interface GridStatus {
  name: string;
  metric: string;
  rows: TrialStatus[];
  counts: Record<TrialStatusName, number>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'CONFIGURING', 'SUSPENDED']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'STOPPED']);

export async function gridStatus(ctx: GridRunContext, trials: Trial[]): Promise<GridStatus> {
  const { config } = ctx;
  const gp = gridPaths(path.join(config.paths.runs, 'grid'), config.grid.name);
  const submissions = readSubmissions(config);
  const queue = await squeueStates([...new Set(submissions.map((s) => s.job_id))]);
  // The latest submission holding each index names its array task.
  const taskOf = new Map<number, string>();
  for (const s of submissions) for (const i of s.indices) taskOf.set(i, `${s.job_id}_${i}`);
  const here = hostname();

  const rows = trials.map((t, index): TrialStatus => {
    const slurmJob = taskOf.get(index) ?? null;
    const inQueue = slurmJob ? queue.get(slurmJob) : undefined;
    const base = { index, trial: t.name, value: null, slurm_job: slurmJob };
    const done = finishedResult(ctx, t);
    if (done)
      return {
        ...base,
        state: 'done',
        value: done.value,
        detail: `${config.grid.metric} ${done.value?.toFixed(4) ?? 'n/a'}${done.restarts ? ` (after ${done.restarts} restart(s))` : ''}`,
      };
    if (inQueue && QUEUED.has(inQueue)) return { ...base, state: 'pending', detail: `Slurm ${slurmJob} ${inQueue}` };
    if (inQueue && RUNNING.has(inQueue)) return { ...base, state: 'running', detail: `Slurm ${slurmJob} ${inQueue}` };
    const stateFile = gp.trialState(t.name);
    if (!existsSync(stateFile)) return { ...base, state: 'not started', detail: '' };
    const st = JSON.parse(readFileSync(stateFile, 'utf8')) as GridTrialState;
    const lastLine = () => lastLogLine(gp.trialLog(t.name)) ?? 'no log';
    switch (st.state) {
      case 'running':
        // Without squeue's word, a local process is asked directly; one on another host is taken at its word.
        if (st.host !== here || alive(st.pid))
          return { ...base, state: 'running', detail: st.slurm_job ? `Slurm ${st.slurm_job} on ${st.host}` : `pid ${st.pid} on ${st.host}` };
        return { ...base, state: 'failed', detail: `stopped without finishing: ${lastLine()}` };
      case 'failed':
        return { ...base, state: 'failed', detail: st.reason ?? lastLine() };
      case 'done':
        return { ...base, state: 'failed', detail: 'state says done but result.json is missing or for other parameters' };
      default:
        return { ...base, state: 'interrupted', detail: `${st.reason ?? st.state}; resumes on the next run` };
    }
  });
  const counts = { done: 0, running: 0, pending: 0, failed: 0, interrupted: 0, 'not started': 0 } as Record<TrialStatusName, number>;
  for (const r of rows) counts[r.state] += 1;
  return { name: config.grid.name, metric: config.grid.metric, rows, counts };
}

export function formatStatus(s: GridStatus): string {
  const counts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return [
    `grid ${s.name}: ${s.rows.length} trials (${counts})`,
    '',
    '   #  state        trial / detail',
    ...s.rows.map((r) => `${String(r.index).padStart(4)}  ${r.state.padEnd(11)}  ${r.trial}${r.detail ? ` — ${r.detail}` : ''}`),
  ].join('\n');
}
