import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { SECTIONS } from '../../report/sections.js';
import type { SanityFile, LrFindFile, MiniGridFile } from '../../core/protocol-artifacts.js';
import { tinyProject, tinynet } from '../helpers/cli.js';

test('every protocol command on a tiny synthetic project, then the report: all sections, every chart a valid PNG', async () => {
  const dir = tinyProject('tinynet-report-');
  const run = async (args: string[], expectCode = 0) => {
    const r = await tinynet(dir, [...args, '--config', 'tiny.yaml']);
    assert.equal(r.code, expectCode, `tinynet ${args.join(' ')}\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  await run(['data', 'stats']);
  await run(['data', 'preview']);
  await run(['baselines']);
  const sanity = await run(['sanity']);
  assert.match(sanity.stdout, /PASS {2}batch_shape/);
  assert.match(sanity.stdout, /PASS {2}overfit/);
  const lr = await run(['lr-find']);
  assert.match(lr.stdout, /suggested lr \d\.\d\de[-+]\d/);
  assert.match(lr.stdout, /rule: suggested LR = /);
  await run(['lr-find', '--mini-grid']);
  await run(['grid', '--set', 'grid.params={"train.lr": [0.003, 0.03]}']);
  await run(['train']);
  await run(['export']);
  await run(['evaluate']);
  const rep = await run(['report']);
  assert.match(rep.stdout, /every section has its artifacts/);

  const s = JSON.parse(readFileSync(path.join(dir, 'artifacts/protocol/sanity.json'), 'utf8')) as SanityFile;
  assert.equal(s.passed, true);
  const l = JSON.parse(readFileSync(path.join(dir, 'artifacts/protocol/lr-find.json'), 'utf8')) as LrFindFile;
  assert.ok(l.suggested_lr >= l.min_lr && l.suggested_lr <= l.max_lr);
  if (l.diverged_at !== null) assert.ok(l.suggested_lr < l.diverged_at);
  assert.equal(readFileSync(path.join(dir, 'artifacts/protocol/lr-find.csv'), 'utf8').trim().split('\n').length, l.points.length + 1);
  const m = JSON.parse(readFileSync(path.join(dir, 'artifacts/protocol/lr-mini-grid.json'), 'utf8')) as MiniGridFile;
  assert.equal(m.rows.length, 4);

  const out = path.join(dir, 'artifacts/report');
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  for (const sec of SECTIONS) assert.ok(md.includes(`## ${sec.title}`), sec.title);
  const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((x) => x[1]);
  for (const want of [
    'class-distribution.png',
    'augment-preview.png',
    'overfit.png',
    'lr-find.png',
    'lr-mini-grid.png',
    'grid-g4.png',
    'train-curves.png',
    'overlay-train-lr.png',
    'confusion-onnx.png',
  ]) {
    assert.ok(images.includes(`images/${want}`), `${want} in the report (${images})`);
  }
  for (const img of images) {
    const file = path.join(out, img);
    assert.ok(existsSync(file), img);
    const meta = await sharp(file).metadata();
    assert.equal(meta.format, 'png', img);
    assert.ok(meta.width! > 50 && meta.height! > 50, `${img} ${meta.width}×${meta.height}`);
  }
  assert.match(md, /Total parameters: [\d ]+/);
  assert.match(md, /Evaluated `[^`]*model\.onnx` \(onnxruntime[^)]*\) on 16 test images/);
  assert.match(md, /tinynet sanity --config tiny.yaml/, 'reproducibility lists the commands');
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, images.length, 'every image inlined');
  assert.ok(!/<img src="images\//.test(html));
});
