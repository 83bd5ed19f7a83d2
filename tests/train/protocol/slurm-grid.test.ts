/**
 * The grid on a real one-node Slurm cluster (127.0.0.1): submitted as a job array, requeued
 * mid-run by `scontrol requeue` and by its own time-limit warning, and a failing trial reported.
 * CI sets TINYNET_REQUIRE_CLUSTER=1, so a machine without Slurm fails there instead of skipping.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GridSummaryFile, GridTrialResult, GridTrialState } from '../../../core/protocol-artifacts.js';
import type { GridStatus } from '../../../train/protocol/grid-status.js';
import { readCheckpoint } from '../../../train/checkpoint.js';
import { CLI, tinyProject, tinynet, type CliResult } from '../../helpers/cli.js';
import { startSlurmCluster, unavailable, type SlurmCluster } from '../../helpers/slurm-cluster.js';

const why = unavailable();
if (why && process.env.TINYNET_REQUIRE_CLUSTER === '1') throw new Error(`TINYNET_REQUIRE_CLUSTER=1 but no Slurm cluster can start here: ${why}`);
const skip = why ? `no Slurm cluster here: ${why}` : false;

let cluster: SlurmCluster;
before(async () => {
  if (!skip) cluster = await startSlurmCluster();
});
after(async () => {
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every 200 ms until it returns a value, for at most `seconds`. */
async function until<T>(what: string, seconds: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < seconds * 5; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}; slurmctld log in ${cluster.dir}`);
}

const onCluster = (dir: string, args: string[]) => tinynet(dir, args, { SLURM_CONF: cluster.env.SLURM_CONF! });
const ok = (r: CliResult) => {
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r.stdout;
};
const jobIdOf = (stdout: string) => /submitted Slurm job array (\d+)/.exec(stdout)?.[1] ?? assert.fail(`no job id in: ${stdout}`);
const statusOf = async (dir: string, sets: string[]) =>
  JSON.parse(ok(await onCluster(dir, ['grid', 'status', '--config', 'tiny.yaml', '--json', ...sets]))) as GridStatus;
const untimed = (r: GridTrialResult) => r.history.map(({ seconds: _s, throughput: _t, ...rest }) => rest as Record<string, unknown>);
const resultOf = (dir: string, grid: string, trial: string) =>
  JSON.parse(readFileSync(path.join(dir, 'runs/grid', grid, trial, 'result.json'), 'utf8')) as GridTrialResult;

const squeueState = async (job: string) => (await cluster.run('squeue', ['--noheader', '--array', '--format=%T %r', `--jobs=${job}`])).stdout.trim();

/**
 * A requeued job waits two minutes (its BeginTime) before it may start again: let it start now —
 * once the requeue has settled, the node is idle, and a clock second has passed (slurmd refuses a
 * launch credential that is not newer than the revocation of the run it replaces).
 */
async function release(job: string): Promise<void> {
  await until(`${job} pending on its BeginTime, node idle`, 60, async () => {
    const node = (await cluster.run('sinfo', ['--noheader', '--format=%T'])).stdout.trim();
    return /^PENDING BeginTime/.test(await squeueState(job)) && node === 'idle' ? true : undefined;
  });
  await sleep(2500);
  await until(`${job} started again`, 60, async () => {
    if (!(await squeueState(job)).startsWith('PENDING')) return true;
    await cluster.run('scontrol', ['update', `JobId=${job}`, 'StartTime=now']);
    return undefined;
  });
}

test("the grid as a Slurm job array: every trial finishes, the ranking equals the local executor's, a second submit has nothing to do", { skip }, async () => {
  const slurm = tinyProject('tinynet-slurm-grid-');
  const out = ok(await onCluster(slurm, ['grid', '--config', 'tiny.yaml', '--executor', 'slurm']));
  assert.match(out, /submitted Slurm job array \d+ with 4 of 4 trials/);
  assert.match(out, /follow it: tinynet grid status/);
  const script = readFileSync(path.join(slurm, 'runs/grid/g4/grid.sbatch'), 'utf8');
  assert.match(script, /^#SBATCH --array=0-3$/m);
  assert.match(script, /^#SBATCH --signal=B:USR2@120$/m);
  assert.match(script, /^#SBATCH --requeue$/m);
  assert.match(script, /^exec .* grid --trial "\$SLURM_ARRAY_TASK_ID" --config /m);

  const final = await until('4 finished trials', 240, async () => {
    const s = await statusOf(slurm, []);
    assert.equal(s.counts.failed, 0, JSON.stringify(s.rows));
    return s.counts.done === 4 ? s : undefined;
  });
  assert.deepEqual(
    final.rows.map((r) => r.index),
    [0, 1, 2, 3],
  );
  const summary = JSON.parse(ok(await onCluster(slurm, ['grid', 'summarize', '--config', 'tiny.yaml', '--json']))) as GridSummaryFile;
  assert.equal(readdirSync(path.join(slurm, 'runs/grid/g4/slurm')).filter((f) => f.endsWith('.out')).length, 4, 'one Slurm output per array task');

  const local = tinyProject('tinynet-local-grid-');
  const localSummary = JSON.parse(ok(await tinynet(local, ['grid', '--config', 'tiny.yaml', '--json']))) as GridSummaryFile;
  const ranking = (s: GridSummaryFile) => s.rows.map((r) => ({ rank: r.rank, trial: r.trial, value: r.value, best_epoch: r.best_epoch }));
  assert.deepEqual(ranking(summary), ranking(localSummary), 'same seeds, same ranking and values');
  for (const r of summary.rows) assert.deepEqual(untimed(resultOf(slurm, 'g4', r.trial)), untimed(resultOf(local, 'g4', r.trial)), `${r.trial}: same history`);

  assert.match(
    ok(await onCluster(slurm, ['grid', '--config', 'tiny.yaml', '--executor', 'slurm'])),
    /nothing to submit \(4 of 4 trials finished, 0 queued or running\)/,
  );
});

test('a trial requeued mid-run (scontrol requeue, then its own time-limit warning) ends with the metrics of an uninterrupted run', { skip }, async () => {
  const sets = ['--set', 'grid.name=rq', '--set', 'grid.params={"train.lr": [0.003]}', '--set', 'grid.epochs=12', '--set', 'grid.max_steps_per_epoch=0'];
  const dir = tinyProject('tinynet-slurm-requeue-');
  const job = `${jobIdOf(ok(await onCluster(dir, ['grid', '--config', 'tiny.yaml', '--executor', 'slurm', ...sets])))}_0`;
  const trialDir = path.join(dir, 'runs/grid/rq/lr=0.003');
  const ckptEpoch = () => (existsSync(path.join(trialDir, 'artifacts/last.ckpt')) ? readCheckpoint(path.join(trialDir, 'artifacts/last.ckpt')).epoch : -1);
  const state = () =>
    existsSync(path.join(trialDir, 'state.json')) ? (JSON.parse(readFileSync(path.join(trialDir, 'state.json'), 'utf8')) as GridTrialState) : null;
  await until('the first epoch saved', 120, () => (ckptEpoch() >= 1 ? true : undefined));
  assert.equal((await cluster.run('scontrol', ['requeue', job])).code, 0);
  await release(job);
  await until('the restarted trial past epoch 4', 120, () => (state()?.restarts === 1 && state()?.state === 'running' && ckptEpoch() >= 4 ? true : undefined));
  // What Slurm sends signal_seconds before the time limit (--signal=B:USR2): to the batch shell only.
  assert.equal((await cluster.run('scancel', ['--signal=USR2', '--batch', job])).code, 0);
  await until('the trial to save and requeue itself', 60, () => (state()?.state === 'requeued' ? true : undefined));
  await release(job);
  const status = await until('the trial done', 180, async () => {
    const s = await statusOf(dir, sets);
    return s.counts.done === 1 ? s : undefined;
  });
  assert.match(status.rows[0].detail, /after 2 restart\(s\)/);
  const requeued = resultOf(dir, 'rq', 'lr=0.003');
  assert.equal(requeued.restarts, 2);
  const log = readFileSync(path.join(trialDir, 'train.log'), 'utf8');
  assert.match(log, /--resume auto: continuing from .*last\.ckpt/);

  const plain = tinyProject('tinynet-local-requeue-');
  ok(await tinynet(plain, ['grid', '--config', 'tiny.yaml', ...sets]));
  const uninterrupted = resultOf(plain, 'rq', 'lr=0.003');
  assert.equal(requeued.value, uninterrupted.value);
  assert.deepEqual(untimed(requeued), untimed(uninterrupted), "every epoch's metrics equal the uninterrupted run's");
});

test('grid status shows a failing trial as failed with its reason', { skip }, async () => {
  const sets = ['--set', 'grid.name=bad', '--set', 'grid.params={"train.lr": [0.003, 1.0e+30]}'];
  const dir = tinyProject('tinynet-slurm-fail-');
  // A submission Slurm refuses: a clear error, the script kept aside, no job recorded.
  const refused = await onCluster(dir, ['grid', '--config', 'tiny.yaml', '--executor', 'slurm', ...sets, '--set', 'grid.slurm.partition=nope']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /sbatch refused the job: .*invalid partition/i);
  assert.match(refused.stderr, /script kept as .*grid\.sbatch\.rejected/);
  assert.equal(existsSync(path.join(dir, 'runs/grid/bad/slurm-jobs.json')), false);
  assert.equal(existsSync(path.join(dir, 'runs/grid/bad/grid.sbatch')), false);
  ok(await onCluster(dir, ['grid', '--config', 'tiny.yaml', '--executor', 'slurm', ...sets]));
  const s = await until('both trials settled', 180, async () => {
    const st = await statusOf(dir, sets);
    return st.counts.done + st.counts.failed === 2 ? st : undefined;
  });
  assert.equal(s.rows[0].state, 'done');
  assert.equal(s.rows[1].state, 'failed');
  assert.match(s.rows[1].detail, /train exited with code 1: error: training stopped: .*NaN/);
  const text = ok(await onCluster(dir, ['grid', 'status', '--config', 'tiny.yaml', ...sets]));
  assert.match(text, /1 done, 1 failed/);
  assert.match(text, /^\s+1\s+failed\s+lr=1e\+30 — train exited with code 1: error: training stopped/m);
});

test('a plain `tinynet train --resume auto` job warned with USR2 saves, requeues itself, and finishes like an uninterrupted run', { skip }, async () => {
  const dir = tinyProject('tinynet-slurm-train-');
  const budget = ['--set', 'train.epochs=12', '--set', 'train.max_steps_per_epoch=0'];
  const script = path.join(dir, 'train.sbatch');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      '#SBATCH --signal=B:USR2@120',
      '#SBATCH --requeue',
      '#SBATCH --open-mode=append',
      `#SBATCH --output=${dir}/slurm.out`,
      `#SBATCH --chdir=${dir}`,
      'export TINYNET_LOG=info',
      `exec ${process.execPath} ${CLI} train --config tiny.yaml --resume auto ${budget.join(' ')}`,
      '',
    ].join('\n'),
  );
  const sub = await cluster.run('sbatch', ['--parsable', script]);
  assert.equal(sub.code, 0, sub.stderr);
  const job = sub.stdout.trim();
  const last = path.join(dir, 'artifacts/last.ckpt');
  const ckptEpoch = () => (existsSync(last) ? readCheckpoint(last).epoch : -1);
  await until('two epochs saved', 120, () => (ckptEpoch() >= 2 ? true : undefined));
  assert.equal((await cluster.run('scancel', ['--signal=USR2', '--batch', job])).code, 0);
  await release(job);
  await until(`${job} finished`, 180, async () => (/^(COMPLETED|)$/.test((await squeueState(job)).split(' ')[0]) ? true : undefined));
  const out = readFileSync(path.join(dir, 'slurm.out'), 'utf8');
  assert.match(out, /time limit near: last\.ckpt saved, requeueing job \d+/);
  assert.match(out, /--resume auto: continuing from .*last\.ckpt/);
  const requeued = JSON.parse(readFileSync(path.join(dir, 'artifacts/history.json'), 'utf8')) as { history: GridTrialResult['history'] };

  const plain = tinyProject('tinynet-local-train-');
  const r = await tinynet(plain, ['train', '--config', 'tiny.yaml', ...budget]);
  assert.equal(r.code, 0, r.stderr);
  const uninterrupted = JSON.parse(readFileSync(path.join(plain, 'artifacts/history.json'), 'utf8')) as { history: GridTrialResult['history'] };
  const strip = (h: GridTrialResult['history']) => h.map(({ seconds: _s, throughput: _t, ...rest }) => rest as Record<string, unknown>);
  assert.equal(requeued.history.length, 12);
  assert.deepEqual(strip(requeued.history), strip(uninterrupted.history));
});
