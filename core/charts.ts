import { writeFileSync } from 'node:fs';
import { writeFileAtomicSync } from './atomic.js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import sharp from 'sharp';

export type ChartSpec = TopLevelSpec;

export interface RenderOptions {
  /** Pixel scale of the PNG relative to the spec's size (2 = sharp on high-DPI screens). */
  scale?: number;
  /** Also write the SVG beside the PNG. */
  svg?: boolean;
}

/** Render a vega-lite spec to an SVG string (vega's headless view, no browser, no canvas). */
export async function chartToSvg(spec: ChartSpec): Promise<string> {
  const { spec: vgSpec } = compile(spec);
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterize SVG text to a PNG buffer with sharp (librsvg; text uses the system fonts). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .flatten({ background: '#ffffff' })
    .png()
    .toBuffer();
}

/**
 * Render a vega-lite spec to a PNG file (written atomically). Used for class distributions,
 * LR-finder curves, training curves and confusion heatmaps.
 */
export async function renderChart(spec: ChartSpec, outPng: string, opts: RenderOptions = {}): Promise<string> {
  const svg = await chartToSvg({ background: 'white', ...spec } as ChartSpec);
  const png = await svgToPng(svg, opts.scale ?? 2);
  writeFileAtomicSync(outPng, png);
  if (opts.svg) writeFileSync(`${outPng.replace(/\.png$/i, '')}.svg`, svg);
  return outPng;
}
