/**
 * A confusion-matrix heatmap as PNG, drawn directly with sharp: one square cell per (true,
 * predicted) pair, rows normalised by class support, a perceptual colour ramp from near-white to
 * dark blue. No axes or labels — the CSV next to it carries the names.
 * (When core/charts.ts `renderChart` lands, a labelled Vega-Lite heatmap can replace this.)
 */
import sharp from 'sharp';

const RAMP: Array<[number, number, number]> = [
  [247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107],
];

function colour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => Math.round(RAMP[i][c] + f * (RAMP[i + 1][c] - RAMP[i][c]))) as [number, number, number];
}

export async function confusionHeatmapPng(confusion: number[][], targetSide = 800): Promise<Buffer> {
  const n = confusion.length;
  const cell = Math.max(1, Math.floor(targetSide / Math.max(1, n)));
  const side = n * cell;
  const px = Buffer.alloc(side * side * 3);
  for (let t = 0; t < n; t++) {
    const support = confusion[t].reduce((a, b) => a + b, 0);
    for (let p = 0; p < n; p++) {
      const [r, g, b] = colour(support > 0 ? confusion[t][p] / support : 0);
      for (let y = t * cell; y < (t + 1) * cell; y++) {
        for (let x = p * cell; x < (p + 1) * cell; x++) {
          const i = (y * side + x) * 3;
          px[i] = r;
          px[i + 1] = g;
          px[i + 2] = b;
        }
      }
    }
  }
  return sharp(px, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}
