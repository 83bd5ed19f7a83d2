/**
 * The Slurm commands tinynet calls, as the cluster has them: `sbatch` to submit, `squeue` to see
 * what is pending or running, `scontrol requeue` for a job to put itself back in the queue.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { TinynetError } from '../../core/errors.js';

/** The full path of `name` on PATH, or null. */
export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return null;
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code !== 0 ? err.message : '') });
    });
  });
}

const lastLine = (text: string) => text.trim().split('\n').at(-1)?.trim() ?? '';

/** sbatch's path, or a clear error on a machine that cannot submit. */
export function requireSbatch(): string {
  const bin = onPath('sbatch');
  if (!bin) {
    throw new TinynetError(
      'grid.no_sbatch',
      'grid.executor is slurm but sbatch is not on PATH: this machine is not a Slurm submit host',
      "run `tinynet grid` on the cluster's login node, or use --executor local",
    );
  }
  return bin;
}

/** Submit a batch script; the job id. */
export async function sbatch(script: string, cwd: string): Promise<string> {
  const r = await run(requireSbatch(), ['--parsable', script], cwd);
  // --parsable prints `jobid` or `jobid;cluster`.
  const id = /^(\d+)(;\S+)?$/.exec(r.stdout.trim())?.[1];
  if (r.code !== 0 || !id) {
    throw new TinynetError(
      'grid.submit_failed',
      `sbatch refused the job: ${lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.code}`}`,
      'fix grid.slurm (partition, time, mem, gres, extra_sbatch) for this cluster',
    );
  }
  return id;
}

/** State of each array task of `jobIds` that Slurm still knows (`123_4` → RUNNING, PENDING…); empty without squeue. */
export async function squeueStates(jobIds: string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const bin = onPath('squeue');
  if (!bin || jobIds.length === 0) return states;
  // --array: one line per task, pending ones included (not `123_[4-7]`).
  const r = await run(bin, ['--noheader', '--array', '--format=%i %T', `--jobs=${jobIds.join(',')}`]);
  if (r.code !== 0) return states;
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split(/\s+/);
    if (id && state) states.set(id, state);
  }
  return states;
}

/** `<array job>_<task>` of the running array task, or the plain job id; null outside Slurm. */
export function currentSlurmJob(env = process.env): string | null {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID ?? null;
}

/** Put the running job back in the queue (after a time-limit warning); false outside Slurm or when refused. */
export async function requeueSelf(): Promise<{ ok: boolean; message: string }> {
  const job = process.env.SLURM_JOB_ID;
  const bin = onPath('scontrol');
  if (!job || !bin) return { ok: false, message: 'not running under Slurm' };
  const r = await run(bin, ['requeue', job]);
  return r.code === 0
    ? { ok: true, message: `job ${job} requeued` }
    : { ok: false, message: `scontrol requeue ${job} failed: ${lastLine(r.stderr) || `exit ${r.code}`}` };
}
