/** The grid's executors without a cluster: the array script, parallel local trials, and bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../core/config/index.js';
import type { GridSummaryFile, GridTrialResult } from '../../../core/protocol-artifacts.js';
import { arrayScript, arraySpec } from '../../../train/protocol/grid-slurm.js';
import { CLI, tinyProject, tinynet } from '../../helpers/cli.js';

process.env.TINYNET_LOG = 'warn';

test('Slurm --array syntax for the trials still to run', () => {
  assert.equal(arraySpec([0, 1, 2, 3]), '0-3');
  assert.equal(arraySpec([1, 3, 4, 5, 9]), '1,3-5,9');
  assert.equal(arraySpec([7]), '7');
});

test('the array script carries grid.slurm, the USR2 warning, requeue, and execs the trial', () => {
  const dir = tinyProject('tinynet-grid-script-');
  const sets = [
    'grid.slurm.partition=gpu',
    'grid.slurm.time=02:00:00',
    'grid.slurm.mem=8G',
    'grid.slurm.gres=gpu:1',
    'grid.slurm.cpus_per_task=4',
    'grid.slurm.max_running=2',
    'grid.slurm.signal_seconds=300',
    'grid.slurm.extra_sbatch=["--account=lab", "--qos=short"]',
  ];
  const { config, file } = loadConfig(path.join(dir, 'tiny.yaml'), sets, dir);
  const script = arrayScript({ config, configFile: file, baseSets: ['train.lr=0.01'], cliPath: CLI, cwd: dir }, [1, 2, 3], 4);
  const directives = script
    .split('\n')
    .filter((l) => l.startsWith('#SBATCH '))
    .map((l) => l.slice(8));
  assert.deepEqual(directives, [
    '--job-name=tinynet-grid-g4',
    '--array=1-3%2',
    `--chdir=${dir}`,
    `--output=${path.join(dir, 'runs/grid/g4/slurm/%A_%a.out')}`,
    '--open-mode=append',
    '--requeue',
    '--signal=B:USR2@300',
    '--time=02:00:00',
    '--cpus-per-task=4',
    '--partition=gpu',
    '--mem=8G',
    '--gres=gpu:1',
    '--account=lab',
    '--qos=short',
  ]);
  assert.ok(script.startsWith('#!/bin/bash\n'));
  assert.match(
    script,
    new RegExp(`^exec ${process.execPath} ${CLI} grid --trial "\\$SLURM_ARRAY_TASK_ID" --config ${path.join(dir, 'tiny.yaml')} --set train.lr=0.01$`, 'm'),
  );
});

test('grid.parallel: trials in 2 processes at once give the same ranking as one at a time', async () => {
  const serial = tinyProject('tinynet-grid-serial-');
  const parallel = tinyProject('tinynet-grid-parallel-');
  const a = await tinynet(serial, ['grid', '--config', 'tiny.yaml', '--json']);
  const b = await tinynet(parallel, ['grid', '--config', 'tiny.yaml', '--parallel', '2', '--json']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const rank = (s: GridSummaryFile) => s.rows.map((r) => [r.trial, r.value]);
  assert.deepEqual(rank(JSON.parse(b.stdout)), rank(JSON.parse(a.stdout)));
  // Two trials overlapped: some trial started before another one finished.
  const gridDir = path.join(parallel, 'runs/grid/g4');
  const spans = readdirSync(gridDir)
    .filter((t) => existsSync(path.join(gridDir, t, 'result.json')))
    .map((t) => JSON.parse(readFileSync(path.join(gridDir, t, 'result.json'), 'utf8')) as GridTrialResult)
    .map((r) => [Date.parse(r.finished_at) - r.seconds * 1000, Date.parse(r.finished_at)])
    .sort((x, y) => x[0] - y[0]);
  assert.ok(
    spans.some(([start], i) => i > 0 && start < spans[i - 1][1]),
    'at least two trials ran at the same time',
  );
});

test('bad input: unknown executor, trial out of range, no sbatch on PATH — clear errors, nothing written', async () => {
  const dir = tinyProject('tinynet-grid-bad-');
  const unknown = await tinynet(dir, ['grid', '--config', 'tiny.yaml', '--executor', 'pbs']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /config key "grid\.executor": got "pbs"; accepted: "local" \| "slurm"/);

  const range = await tinynet(dir, ['grid', '--config', 'tiny.yaml', '--trial', '4']);
  assert.equal(range.code, 2);
  assert.match(range.stderr, /--trial 4: grid g4 has 4 trials, numbered 0 to 3/);
  const notNumber = await tinynet(dir, ['grid', '--config', 'tiny.yaml', '--trial', 'two']);
  assert.equal(notNumber.code, 2);
  assert.match(notNumber.stderr, /--trial two: expected a whole number/);

  const emptyPath = mkdtempSync(path.join(tmpdir(), 'tinynet-no-slurm-'));
  const noSbatch = await tinynet(dir, ['grid', '--config', 'tiny.yaml', '--executor', 'slurm'], { PATH: emptyPath });
  assert.equal(noSbatch.code, 2);
  assert.match(noSbatch.stderr, /grid\.executor is slurm but sbatch is not on PATH/);
  assert.match(noSbatch.stderr, /or use --executor local/);
  assert.equal(existsSync(path.join(dir, 'runs/grid/g4/grid.sbatch')), false, 'no script written');
  assert.equal(existsSync(path.join(dir, 'runs/grid/g4/slurm-jobs.json')), false);
});
