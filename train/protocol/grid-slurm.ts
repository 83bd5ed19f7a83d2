/**
 * `tinynet grid --executor slurm`: the grid as one Slurm job array. Array task K runs
 * `tinynet grid --trial K` (K in the grid's deterministic order), asks for USR2 some minutes before
 * its time limit (the trial saves last.ckpt and requeues itself) and may be requeued by Slurm; every
 * start of a task continues the trial from its last.ckpt.
 */
import { mkdirSync, chmodSync, renameSync } from 'node:fs';
import { TinynetError } from '../../core/errors.js';
import path from 'node:path';
import { writeFileAtomicSync } from '../../core/atomic.js';
import { gridPaths } from '../../core/protocol-artifacts.js';
import { requireSbatch, sbatch } from './slurm.js';
import { validateTrials, type GridRunContext } from './grid-trial.js';
import { gridStatus, readSubmissions, type SlurmSubmission } from './grid-status.js';

/** Shell words, single-quoted unless plain. */
export const shellQuote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);

/** `0-3`, `1,4-6`: Slurm's --array syntax for sorted indices. */
export function arraySpec(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j === i ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The job-array script for these trial indices. */
export function arrayScript(ctx: GridRunContext, indices: number[], trialCount: number): string {
  const { config } = ctx;
  const g = config.grid;
  const s = g.slurm;
  const gp = gridPaths(path.join(config.paths.runs, 'grid'), g.name);
  const cwd = path.resolve(ctx.cwd ?? process.cwd());
  const abs = (p: string) => path.resolve(cwd, p);
  const options = [
    `--job-name=tinynet-grid-${g.name}`,
    `--array=${arraySpec(indices)}${s.max_running ? `%${s.max_running}` : ''}`,
    `--chdir=${cwd}`,
    `--output=${abs(path.join(gp.slurmOutput, '%A_%a.out'))}`,
    // A requeued task appends to its output instead of starting it over.
    '--open-mode=append',
    '--requeue',
    // B: the signal goes to the batch shell only, which `exec` made the trial process.
    `--signal=B:USR2@${s.signal_seconds}`,
    `--time=${s.time}`,
    `--cpus-per-task=${s.cpus_per_task}`,
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    ...(s.mem ? [`--mem=${s.mem}`] : []),
    ...(s.gres ? [`--gres=${s.gres}`] : []),
    ...s.extra_sbatch,
  ];
  const command = [
    process.execPath,
    ctx.cliPath,
    'grid',
    '--trial',
    '"$SLURM_ARRAY_TASK_ID"',
    ...(ctx.configFile ? ['--config', abs(ctx.configFile)] : []),
    ...ctx.baseSets.flatMap((x) => ['--set', x]),
  ];
  return [
    '#!/bin/bash',
    `# tinynet grid ${g.name}: ${trialCount} trials, array task K = trial K of the grid's order.`,
    `# Written by \`tinynet grid --executor slurm\`; follow it with \`tinynet grid status\`.`,
    ...options.map((o) => `#SBATCH ${o}`),
    'set -euo pipefail',
    `export TINYNET_LOG="\${TINYNET_LOG:-info}"`,
    command
      .map((a) => (a.startsWith('"$') ? a : shellQuote(a)))
      .join(' ')
      .replace(/^/, 'exec '),
    '',
  ].join('\n');
}

export interface SubmitOutcome {
  /** null when every trial had finished or was already queued: nothing submitted. */
  submission: SlurmSubmission | null;
  trials: number;
  finished: number;
  queued: number;
}

/** Write the script for the trials that are neither finished nor queued/running, and sbatch it. */
export async function submitGrid(ctx: GridRunContext): Promise<SubmitOutcome> {
  const { config } = ctx;
  const trials = validateTrials(ctx);
  const status = await gridStatus(ctx, trials);
  const finished = status.rows.filter((r) => r.state === 'done').length;
  const queued = status.rows.filter((r) => r.state === 'running' || r.state === 'pending').length;
  const indices = status.rows.filter((r) => !['done', 'running', 'pending'].includes(r.state)).map((r) => r.index);
  if (indices.length === 0) return { submission: null, trials: trials.length, finished, queued };
  requireSbatch();
  const gp = gridPaths(path.join(config.paths.runs, 'grid'), config.grid.name);
  mkdirSync(gp.slurmOutput, { recursive: true });
  // The script becomes grid.sbatch only once Slurm took it; a refused one is kept aside, for a look.
  const pending = `${gp.slurmScript}.pending`;
  writeFileAtomicSync(pending, arrayScript(ctx, indices, trials.length));
  chmodSync(pending, 0o755);
  let jobId: string;
  try {
    jobId = await sbatch(pending, path.resolve(ctx.cwd ?? process.cwd()));
  } catch (err) {
    renameSync(pending, `${gp.slurmScript}.rejected`);
    if (err instanceof TinynetError) throw new TinynetError(err.code, `${err.message} (script kept as ${gp.slurmScript}.rejected)`, err.hint);
    throw err;
  }
  renameSync(pending, gp.slurmScript);
  const submission: SlurmSubmission = { job_id: jobId, indices, script: gp.slurmScript, submitted_at: new Date().toISOString() };
  writeFileAtomicSync(gp.slurmJobs, `${JSON.stringify([...readSubmissions(config), submission], null, 1)}\n`);
  return { submission, trials: trials.length, finished, queued };
}
