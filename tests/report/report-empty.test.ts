import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../core/config/index.js';
import { renderChart } from '../../core/charts.js';
import { buildReport } from '../../report/build.js';
import { tinyProject, tinynet } from '../helpers/cli.js';
import { SECTIONS } from '../../report/sections.js';

test('a report with no artifacts yet has every section, and each empty one names the command that fills it', async () => {
  const dir = tinyProject();
  const r = await tinynet(dir, ['report', '--config', 'tiny.yaml']);
  assert.equal(r.code, 0, r.stderr);
  const md = readFileSync(path.join(dir, 'artifacts/report/report.md'), 'utf8');
  for (const s of SECTIONS) assert.ok(md.includes(`## ${s.title}`), s.title);
  for (const [id, command] of [
    ['D1', 'data stats'],
    ['D10', 'data preview'],
    ['D11', 'sanity'],
    ['M0', 'baselines'],
    ['M3', 'sanity'],
    ['M4', 'lr-find'],
    ['M5', 'grid'],
    ['M6', 'train'],
    ['M9', 'evaluate'],
  ]) {
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

test("M9 shows a test-split evaluation report (tinynet evaluate's JSON) with its confusion matrix, compared with val", async () => {
  const dir = tinyProject();
  const { config } = loadConfig(path.join(dir, 'tiny.yaml'), [], dir);
  const png = await renderChart(
    {
      data: {
        values: [
          { t: 'a', p: 'a', n: 3 },
          { t: 'a', p: 'b', n: 1 },
        ],
      },
      mark: 'rect',
      encoding: { x: { field: 'p', type: 'nominal' }, y: { field: 't', type: 'nominal' }, color: { field: 'n', type: 'quantitative' } },
    },
    path.join(dir, 'artifacts/model.confusion-test.png'),
  );
  const evalReport = {
    format: 1,
    created_at: 'now',
    source: { kind: 'onnx', file: 'artifacts/model.onnx', engine: 'onnxruntime-node 1.30' },
    dataset: { split: 'test', count: 16, num_classes: 4, cache_dir: 'x', fingerprint: null },
    metrics: { accuracy: 0.75, top5: 1, macro_f1: 0.7, loss: 0.6 },
    per_class: [],
    most_confused: [{ true: 0, true_name: 'red disc', predicted: 1, predicted_name: 'blue square', count: 2 }],
    reference: { accuracy: 0.8, top5: 1, macro_f1: 0.78, from: 'provenance' },
    timing: { seconds: 1, images_per_second: 16 },
    files: { json: 'artifacts/model.eval-test.json', confusion_csv: 'x.csv', confusion_png: png },
  };
  writeFileSync(path.join(dir, 'artifacts/model.eval-test.json'), JSON.stringify(evalReport));
  const r = await buildReport({ config, configArg: 'tiny.yaml' });
  assert.ok(!r.missing.includes('M9'));
  const m9 = r.markdown.split('## M9')[1].split('\n## ')[0];
  assert.match(m9, /\| accuracy \(top-1\) \| 75\.00 % \| 80\.00 % \|/);
  assert.match(m9, /Test − val accuracy: -5\.00 points/);
  assert.match(m9, /red disc → blue square \(2\)/);
  assert.ok(r.images.includes('images/confusion-onnx.png'));
  assert.equal((await sharp(path.join(dir, 'artifacts/report', 'images/confusion-onnx.png')).metadata()).format, 'png');
});

test('tinynet sanity exits 1 and says FAIL when the overfit LR is effectively zero', async () => {
  const dir = tinyProject();
  const r = await tinynet(dir, ['sanity', '--config', 'tiny.yaml', '--set', 'sanity.overfit_lr=1e-9', '--set', 'sanity.overfit_epochs=3']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /FAIL {2}overfit +16 train images, 3 epochs at lr 1e-9/);
  assert.match(r.stdout, /PASS {2}gradients/);
  assert.match(r.stdout, /1 check\(s\) failed/);
  const doc = JSON.parse(readFileSync(path.join(dir, 'artifacts/protocol/sanity.json'), 'utf8'));
  assert.equal(doc.passed, false);
});

test('M7 overlays the main run with a single --runs folder, and M6 shows the EMA columns when the run kept one', async () => {
  const epoch = (e: number, ema: boolean) => ({
    epoch: e,
    step: e * 3,
    'train/loss': 1 / e,
    'train/accuracy': 0.5,
    'val/loss': 1 / e,
    'val/accuracy': 0.6,
    'val/top5': 1,
    'val/f1': 0.6,
    lr: 0.01,
    ...(ema ? { 'val/ema_loss': 0.9 / e, 'val/ema_accuracy': 0.65 } : {}),
  });
  const history = (name: string, ema: boolean) => ({
    kind: 'tinynet-history',
    experiment: name,
    config_hash: 'h',
    seed: 1,
    config: {},
    command: 'tinynet train',
    backend: 'cpu',
    updated_at: '',
    best: null,
    stop_reason: 'completed',
    history: [epoch(1, ema), epoch(2, ema)],
  });
  const charts: string[] = [];
  const ctx = {
    config: loadConfig(null).config,
    inputs: { grids: [], history: history('recipe', true), otherHistories: [history('plain', false)] },
    configArg: 'tiny.yaml',
    versions: '',
    image: () => '',
    chart: async (_spec: unknown, name: string) => {
      charts.push(name);
      return `![x](images/${name})`;
    },
  } as unknown as Parameters<(typeof SECTIONS)[number]['render']>[0];
  const m7 = await SECTIONS.find((s) => s.id === 'M7')!.render(ctx);
  assert.ok(!m7.includes('Missing'), m7);
  assert.deepEqual(charts, ['overlay-runs.png']);
  const m6 = await SECTIONS.find((s) => s.id === 'M6')!.render(ctx);
  assert.match(m6, /val\/ema_accuracy/);
  assert.match(m6, /65\.00 %/);
  const plain = await SECTIONS.find((s) => s.id === 'M6')!.render({ ...ctx, inputs: { ...ctx.inputs, history: history('plain', false) } } as typeof ctx);
  assert.ok(!plain.includes('ema'));
});
