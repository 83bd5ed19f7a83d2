import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { chartToSvg } from '../../core/charts.js';
import { confusionHeatmapSpec, renderConfusionHeatmap, HEATMAP_LABELLED_CLASSES } from '../../core/confusion-heatmap.js';
import { tempDir } from '../helpers/dataset-config.js';

function confusion(n: number): number[][] {
  return Array.from({ length: n }, (_, t) => Array.from({ length: n }, (_, p) => (t === p ? 8 : (t * 7 + p * 3) % 5 === 0 ? 2 : 0)));
}

test('confusion heatmap: class names on both axes for a few classes', async () => {
  const names = ['goldfish', 'tabby cat', 'school bus', 'pizza'];
  const svg = await chartToSvg(confusionHeatmapSpec(confusion(4), names));
  for (const name of names) assert.equal(svg.split(`>${name}<`).length - 1, 2, `"${name}" labels the predicted and the true axis`);
  assert.match(svg, /predicted/);
  assert.match(svg, /true/);
});

test(`confusion heatmap: beyond ${HEATMAP_LABELLED_CLASSES} classes the tick labels are hidden`, async () => {
  const n = HEATMAP_LABELLED_CLASSES + 10;
  const names = Array.from({ length: n }, (_, i) => `klass${i}`);
  const svg = await chartToSvg(confusionHeatmapSpec(confusion(n), names));
  assert.doesNotMatch(svg, /klass\d/);
  assert.match(svg, new RegExp(`${n} classes; names in the CSV`));
});

test('confusion heatmap: renders to a PNG file', async () => {
  const out = path.join(tempDir('heatmap'), 'confusion.png');
  await renderConfusionHeatmap(
    [
      [9, 1],
      [0, 10],
    ],
    ['a', 'b'],
    out,
  );
  const meta = await sharp(out).metadata();
  assert.equal(meta.format, 'png');
  assert.ok(meta.width! > 100 && meta.height! > 100);
});
