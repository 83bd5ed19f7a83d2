/**
 * The confusion-matrix heatmap of an evaluation report, as a Vega-Lite rect chart rendered to PNG
 * by core/charts.ts: true class down, predicted class across, each row normalised by the class's
 * support so rare and common classes read alike. Class names label the axes up to
 * HEATMAP_LABELLED_CLASSES classes; beyond that the tick labels would overlap into noise, so the
 * axes keep only their titles (the CSV next to the PNG carries the names).
 */
import { renderChart, type ChartSpec } from './charts.js';

export const HEATMAP_LABELLED_CLASSES = 40;

/** Near-white to dark blue; zero cells are not drawn and show the white background (= the ramp's start). */
const RAMP = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];

export function confusionHeatmapSpec(confusion: number[][], classNames: readonly string[], title = 'Confusion matrix'): ChartSpec {
  const n = confusion.length;
  const labelled = n <= HEATMAP_LABELLED_CLASSES;
  const step = Math.max(3, Math.min(36, Math.floor(800 / Math.max(1, n))));
  const values: Array<{ t: number; p: number; count: number; share: number }> = [];
  for (let t = 0; t < n; t++) {
    const support = confusion[t].reduce((a, b) => a + b, 0);
    // Only non-zero cells: with 200 classes that is far fewer marks than the 40 000 of a full grid.
    for (let p = 0; p < n; p++) if (confusion[t][p] > 0) values.push({ t, p, count: confusion[t][p], share: confusion[t][p] / support });
  }
  const indices = Array.from({ length: n }, (_, i) => i);
  // Fields hold class indices (names need not be unique); the axes map them back to names.
  const names = JSON.stringify(indices.map((i) => classNames[i] ?? `class_${i}`));
  const axis = (title: string, angle: number) =>
    labelled
      ? { title, labelExpr: `${names}[datum.value]`, labelAngle: angle, labelLimit: 140, labelFontSize: n > 20 ? 8 : 10 }
      : { title: `${title} (${n} classes; names in the CSV)`, labels: false, ticks: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'rows normalised by true-class support' },
    width: { step },
    height: { step },
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'p', type: 'ordinal', scale: { domain: indices }, axis: axis('predicted', -45) },
      y: { field: 't', type: 'ordinal', scale: { domain: indices }, axis: axis('true', 0) },
      color: { field: 'share', type: 'quantitative', scale: { domain: [0, 1], range: RAMP }, title: 'share of row' },
    },
    config: { view: { stroke: '#999' } },
  } as ChartSpec;
}

/** Render the heatmap to `outPng` (written atomically by renderChart). */
export async function renderConfusionHeatmap(confusion: number[][], classNames: readonly string[], outPng: string, title?: string): Promise<string> {
  return renderChart(confusionHeatmapSpec(confusion, classNames, title), outPng, { scale: confusion.length > HEATMAP_LABELLED_CLASSES ? 1 : 2 });
}
