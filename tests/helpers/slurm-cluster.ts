/**
 * A one-node Slurm cluster on 127.0.0.1 for tests: munged, slurmctld and slurmd from Debian's
 * packages, each a child of this process with its config, state and logs in one temp folder, each
 * stopped by its pid. Needs root (slurmd starts jobs as their user) and the `slurm-wlm` and `munge`
 * packages; `available()` says why not when they are missing.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onPath } from '../../train/protocol/slurm.js';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'];
const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];

/** null when a cluster can start here, else why not. */
export function unavailable(): string | null {
  const sbin = (n: string) => onPath(n) ?? (existsSync(`/usr/sbin/${n}`) ? `/usr/sbin/${n}` : null);
  const missing = [...DAEMONS.filter((d) => !sbin(d)), ...CLIENTS.filter((c) => !onPath(c))];
  if (missing.length) return `not installed: ${missing.join(', ')} (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'slurmd needs root';
  return null;
}

const daemon = (n: string) => onPath(n) ?? `/usr/sbin/${n}`;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SlurmCluster {
  dir: string;
  /** SLURM_CONF pointing at this cluster: pass it to every Slurm command and to tinynet. */
  env: NodeJS.ProcessEnv;
  run(cmd: string, args: string[]): Promise<CommandResult>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-slurm-'));
  // munged wants every folder above its socket searchable.
  chmodSync(dir, 0o755);
  for (const d of ['state', 'spool']) mkdirSync(path.join(dir, d));
  const key = path.join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = path.join(dir, 'munge.sock');
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=tinynet-test',
      'SlurmctldHost=localhost(127.0.0.1)',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      // No cgroups in a container: track job processes by parent pid, bind nothing.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'SlurmUser=root',
      'ReturnToService=2',
      'MpiDefault=none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      // Finished jobs stay visible to squeue/scontrol for a while.
      'MinJobAge=600',
      'KillWait=30',
      'NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN',
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[]) => {
    // Their logs go to files in `dir` (named in slurm.conf and munged's flags).
    const c = spawn(daemon(cmd), args, { env, stdio: 'ignore' });
    c.on('error', () => {});
    children.push(c);
  };
  const run = (cmd: string, args: string[]) =>
    new Promise<CommandResult>((resolve) => {
      execFile(cmd, args, { env, encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 1) : 0, stdout, stderr }),
      );
    });

  const stop = async () => {
    // Jobs first (their slurmstepd outlive slurmd), then the daemons, newest first.
    await run('scancel', ['--full', '--quiet', `--user=root`]);
    for (let i = 0; i < 60; i++) {
      const q = await run('squeue', ['--noheader']);
      if (q.code !== 0 || q.stdout.trim() === '') break;
      await sleep(250);
    }
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
      const exited = new Promise((r) => c.once('exit', r));
      process.kill(c.pid, 'SIGTERM');
      const timer = setTimeout(() => c.pid && c.exitCode === null && process.kill(c.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };

  try {
    start('munged', [
      '--foreground',
      '--force',
      `--key-file=${key}`,
      `--socket=${socket}`,
      `--pid-file=${dir}/munged.pid`,
      `--log-file=${dir}/munged.log`,
      `--seed-file=${dir}/munged.seed`,
    ]);
    for (let i = 0; i < 40 && !existsSync(socket); i++) await sleep(100);
    if (!existsSync(socket)) throw new Error(`munged did not start: ${readLog(dir, 'munged.log')}`);
    start('slurmctld', ['-D', '-i', '-f', conf]);
    start('slurmd', ['-D', '-N', 'localhost', '-f', conf]);
    for (let i = 0; i < 120; i++) {
      const s = await run('sinfo', ['--noheader', '--format=%T']);
      if (s.code === 0 && /^idle/m.test(s.stdout)) return { dir, env, run, stop };
      await sleep(250);
    }
    throw new Error(`the node never became idle: ${readLog(dir, 'slurmctld.log')}\n${readLog(dir, 'slurmd.log')}`);
  } catch (err) {
    await stop();
    throw err;
  }
}

function readLog(dir: string, name: string): string {
  const f = path.join(dir, name);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-10).join('\n') : `(no ${name})`;
}
