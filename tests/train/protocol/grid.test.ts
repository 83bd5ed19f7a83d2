import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../../core/config/index.js';
import type { GridSummaryFile, GridTrialResult } from '../../../core/protocol-artifacts.js';
import { expandGrid, trialName, bestOf, runGrid } from '../../../train/protocol/grid.js';
import { decodeEvents } from '../../helpers/tb-decoder.js';
import { CLI, tinyProject, tinynet } from '../../helpers/cli.js';

process.env.TINYNET_LOG = 'warn';

test('the grid is the cartesian product of its keys, with stable readable trial names', () => {
  const trials = expandGrid({
    'train.lr': [1e-3, 1e-2],
    'model.blocks': [
      [1, 1],
      [2, 2],
    ],
    'model.dropout': [0],
  });
  assert.equal(trials.length, 4);
  assert.deepEqual(
    trials.map((t) => t.name),
    ['lr=0.001_blocks=1-1_dropout=0', 'lr=0.001_blocks=2-2_dropout=0', 'lr=0.01_blocks=1-1_dropout=0', 'lr=0.01_blocks=2-2_dropout=0'],
  );
  assert.deepEqual(trials[1].sets, ['train.lr=0.001', 'model.blocks=[2,2]', 'model.dropout=0']);
  assert.equal(trialName({ 'train.lr': 1e-3, 'model.blocks': [1, 1], 'model.dropout': 0 }), trials[0].name);
  assert.equal(trialName({ 'a.x': 1, 'b.x': 2 }), 'a.x=1_b.x=2', 'same last key part: full keys');
  assert.throws(() => expandGrid({}), /grid.params is empty/);
});

test('best value of the metric: highest accuracy, lowest loss', () => {
  const h = [1, 2, 3].map((epoch) => ({
    epoch,
    step: epoch,
    'train/loss': 1,
    'train/accuracy': 0,
    'val/loss': [2, 1, 1.5][epoch - 1],
    'val/accuracy': [0.2, 0.5, 0.4][epoch - 1],
    'val/top5': 1,
    'val/f1': 0,
    lr: 1,
  }));
  assert.deepEqual(bestOf(h, 'val/accuracy'), { value: 0.5, epoch: 2 });
  assert.deepEqual(bestOf(h, 'val/loss'), { value: 1, epoch: 2 });
});

test('a grid of 4 trials: stopped by SIGTERM after the first, resumed without re-running finished ones, 4 ranked rows, HParams per trial', async () => {
  const dir = tinyProject('tinynet-grid-');
  const gridDir = path.join(dir, 'runs/grid/g4');
  const results = () => (existsSync(gridDir) ? readdirSync(gridDir).filter((t) => existsSync(path.join(gridDir, t, 'result.json'))) : []);
  // Interrupt the grid as a user would (Ctrl-C / kill) once the first trial has finished.
  const driver = spawn(process.execPath, [CLI, 'grid', '--config', 'tiny.yaml'], { cwd: dir, env: { ...process.env, TINYNET_LOG: 'warn' }, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => driver.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && results().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  driver.kill('SIGTERM');
  assert.equal(await exited, 130, 'an interrupted grid exits 130');
  const finished = results();
  assert.ok(finished.length >= 1 && finished.length < 4, `${finished.length} trials finished before the interruption`);
  const stamp = (t: string) => (JSON.parse(readFileSync(path.join(gridDir, t, 'result.json'), 'utf8')) as GridTrialResult).finished_at;
  const before = finished.map(stamp);
  const partial = JSON.parse(readFileSync(path.join(gridDir, 'summary.json'), 'utf8')) as GridSummaryFile;
  assert.equal(partial.rows.filter((r) => r.value !== null).length, finished.length, 'the summary written at the interruption ranks what finished');

  const r = await tinynet(dir, ['grid', '--config', 'tiny.yaml']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, new RegExp(`4 trials \\(${4 - finished.length} run now, ${finished.length} finished earlier, 0 failed\\)`));
  assert.deepEqual(finished.map(stamp), before, 'finished trials were not re-run');

  const summary = JSON.parse(readFileSync(path.join(gridDir, 'summary.json'), 'utf8')) as GridSummaryFile;
  assert.equal(summary.rows.length, 4);
  assert.deepEqual(
    summary.rows.map((x) => x.rank),
    [1, 2, 3, 4],
  );
  for (let i = 1; i < 4; i++) assert.ok(summary.rows[i].value! <= summary.rows[i - 1].value!, 'ranked by val/accuracy, best first');
  const md = readFileSync(path.join(gridDir, 'summary.md'), 'utf8');
  assert.equal(md.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, 4);
  assert.equal(readFileSync(path.join(gridDir, 'summary.csv'), 'utf8').trim().split('\n').length, 5);
  for (const row of summary.rows) {
    const res = JSON.parse(readFileSync(path.join(gridDir, row.trial, 'result.json'), 'utf8')) as GridTrialResult;
    assert.equal(res.history.length, 1, 'grid.epochs = 1');
    assert.equal(res.history[0].step, 2, 'grid.max_steps_per_epoch = 2');
    const events = readdirSync(path.join(gridDir, row.trial)).filter((f) => f.startsWith('events.out.tfevents'));
    // A trial stopped mid-run and resumed from last.ckpt writes a second events file beside the first.
    assert.ok(events.length >= 1, `${row.trial} has its TensorBoard run`);
    const values = events.flatMap((e) => decodeEvents(path.join(gridDir, row.trial, e)).values);
    assert.ok(
      values.some((v) => v.tag === '_hparams_/session_start_info'),
      'HParams session',
    );
  }

  // A third call finds everything done.
  const again = await tinynet(dir, ['grid', '--config', 'tiny.yaml']);
  assert.match(again.stdout, /0 run now, 4 finished earlier/);
});

test('the library stops after maxTrials and a later call continues', async () => {
  const dir = tinyProject('tinynet-grid-lib-');
  const { config, file } = loadConfig(path.join(dir, 'tiny.yaml'), ['grid.params={"train.lr": [0.003, 0.03]}'], dir);
  const first = await runGrid({
    config,
    configFile: file,
    baseSets: ['grid.params={"train.lr": [0.003, 0.03]}'],
    cliPath: CLI,
    command: 'test',
    maxTrials: 1,
    cwd: dir,
  });
  assert.equal(first.interrupted, true);
  assert.deepEqual(first.ran, ['lr=0.003']);
  const second = await runGrid({ config, configFile: file, baseSets: [], cliPath: CLI, command: 'test', cwd: dir });
  assert.deepEqual([second.skipped, second.ran], [['lr=0.003'], ['lr=0.03']]);
  assert.equal(second.summary.rows.length, 2);
});
