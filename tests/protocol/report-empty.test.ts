import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tinyProject, tinynet } from './cli-helpers.js';
import { SECTIONS } from '../../report/sections.js';

test('a report with no artifacts yet has every section, and each empty one names the command that fills it', async () => {
  const dir = tinyProject();
  const r = await tinynet(dir, ['report', '--config', 'tiny.yaml']);
  assert.equal(r.code, 0, r.stderr);
  const md = readFileSync(path.join(dir, 'artifacts/report/report.md'), 'utf8');
  for (const s of SECTIONS) assert.ok(md.includes(`## ${s.title}`), s.title);
  for (const [id, command] of [['D1', 'data stats'], ['D10', 'data preview'], ['D11', 'sanity'], ['M0', 'baselines'], ['M3', 'sanity'], ['M4', 'lr-find'], ['M5', 'grid'], ['M6', 'train'], ['M9', 'evaluate']]) {
    const title = SECTIONS.find((s) => s.id === id)!.title;
    const body = md.split(`## ${title}`)[1].split('\n## ')[0];
    assert.match(body, new RegExp(`\\*\\*Missing:\\*\\*.*Run \`tinynet ${command} --config tiny.yaml\``), `${id} says to run ${command}`);
  }
  assert.match(r.stdout, /sections waiting for artifacts: D1, D2/);
  const html = readFileSync(path.join(dir, 'artifacts/report/report.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<h2[^>]*>M0 — Baselines<\/h2>/);
  assert.ok(!existsSync(path.join(dir, 'artifacts/protocol')), 'the report only reads');
});
