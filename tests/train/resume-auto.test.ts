import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tinyProject, tinynet } from '../helpers/cli.js';
import { validateConfig } from '../../core/config/index.js';
import { trainingDifferences } from '../../train/resume-auto.js';

const budget = ['--set', 'train.epochs=2', '--set', 'train.max_steps_per_epoch=2'];

test('train --resume auto: from scratch without last.ckpt, nothing to do once complete, refuses another config and leaves the checkpoint alone', async () => {
  const dir = tinyProject('tinynet-resume-auto-');
  const first = await tinynet(dir, ['train', '--config', 'tiny.yaml', '--resume', 'auto', ...budget], { TINYNET_LOG: 'info' });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /--resume auto: no .*artifacts\/last\.ckpt yet, starting from scratch/);
  const last = path.join(dir, 'artifacts/last.ckpt');
  const bytes = readFileSync(last);

  const again = await tinynet(dir, ['train', '--config', 'tiny.yaml', '--resume', 'auto', ...budget], { TINYNET_LOG: 'info' });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already completed 2 of 2 epochs; nothing to do/);

  const other = await tinynet(dir, ['train', '--config', 'tiny.yaml', '--resume', 'auto', ...budget, '--set', 'train.lr=0.02', '--set', 'model.dropout=0.3']);
  assert.equal(other.code, 2);
  assert.match(
    other.stderr,
    /--resume auto: .*last\.ckpt was written by another config: model\.dropout \(checkpoint 0\.1, now 0\.3\), train\.lr \(checkpoint 0\.01, now 0\.02\)/,
  );
  assert.match(other.stderr, /train this config in another folder/);
  assert.doesNotMatch(other.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readFileSync(last), bytes, 'last.ckpt untouched');
});

test('only the training sections count as another config; thread count and the grid section do not', () => {
  const base = validateConfig({}).config;
  const other = validateConfig({ train: { threads: 3 }, grid: { executor: 'slurm' }, serve: { port: 9 }, paths: { artifacts: 'elsewhere' } }).config;
  assert.deepEqual(trainingDifferences(base, other), []);
  const changed = validateConfig({ seed: 7, augment: { hflip: 0 } }).config;
  assert.deepEqual(trainingDifferences(base, changed), ['seed', 'augment.hflip']);
});
