import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync, replaceDir } from '../../core/atomic.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tinynet-atomic-'));

test('atomic writes create parent folders, replace the old content and leave no temp file', async () => {
  const dir = tmp();
  const file = path.join(dir, 'a', 'b.json');
  writeFileAtomicSync(file, 'one');
  writeFileAtomicSync(file, new Uint8Array([116, 119, 111]));
  assert.equal(readFileSync(file, 'utf8'), 'two');
  await writeFileAtomic(file, 'three');
  assert.equal(readFileSync(file, 'utf8'), 'three');
  assert.deepEqual(readdirSync(path.join(dir, 'a')), ['b.json']);
});

test('a failed write keeps the old file and removes its temp file', () => {
  const dir = tmp();
  const target = path.join(dir, 'taken');
  mkdirSync(target); // a folder where the file should go: the rename fails
  writeFileSync(path.join(target, 'keep'), 'x');
  assert.throws(() => writeFileAtomicSync(target, 'data'));
  assert.deepEqual(readdirSync(dir), ['taken']);
  assert.deepEqual(readdirSync(target), ['keep']);
});

test('replaceDir swaps a finished folder in, replacing the old one', () => {
  const dir = tmp();
  const live = path.join(dir, 'cache');
  for (const content of ['old', 'new']) {
    const staging = path.join(dir, `staging-${content}`);
    mkdirSync(staging);
    writeFileSync(path.join(staging, 'meta.json'), content);
    replaceDir(staging, live);
  }
  assert.equal(readFileSync(path.join(live, 'meta.json'), 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir), ['cache']);
});
