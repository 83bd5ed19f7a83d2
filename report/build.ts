import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Marked } from 'marked';
import type { Config } from '../core/config/index.js';
import { renderChart, type ChartSpec } from '../core/charts.js';
import { PACKAGE_ROOT, TINYNET_VERSION } from '../core/paths.js';
import { writeFileAtomicSync } from '../core/atomic.js';
import { loadReportInputs } from './load.js';
import { SECTIONS, type SectionContext } from './sections.js';

export interface ReportOptions {
  config: Config;
  /** The --config the user passed (shown in the commands the report suggests). */
  configArg: string;
  /** Other runs' paths.artifacts folders to compare (M7, M8). */
  runs?: string[];
  /** Output folder (default <paths.artifacts>/report). */
  outDir?: string;
}

export interface ReportResult {
  markdown: string;
  html: string;
  /** Image files the report references (relative to its folder), in order. */
  images: string[];
  /** Section ids whose artifacts were missing. */
  missing: string[];
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function versionsText(): string {
  return (
    `node ${process.versions.node}, tinynet ${TINYNET_VERSION}, @tensorflow/tfjs ${packageVersion('@tensorflow/tfjs')}, onnxruntime-node ` +
    `${packageVersion('onnxruntime-node')}, ${process.platform}/${process.arch}`
  );
}

/**
 * `tinynet report`: the course report's questions (D1–D11, M0–M9) answered from the artifacts the
 * other commands wrote — `report.md` with its images in `images/`, and `report.html`, one
 * self-contained file (images inlined as data URIs). Sections without their artifact say which
 * command makes it.
 */
export async function buildReport(opts: ReportOptions): Promise<ReportResult> {
  const out = opts.outDir ?? path.join(opts.config.paths.artifacts, 'report');
  const imgDir = path.join(out, 'images');
  rmSync(imgDir, { recursive: true, force: true });
  mkdirSync(imgDir, { recursive: true });
  const inputs = loadReportInputs(opts.config, opts.runs ?? []);
  const images: string[] = [];
  const md = (alt: string, name: string) => {
    images.push(`images/${name}`);
    return `![${alt}](images/${name})`;
  };
  const ctx: SectionContext = {
    config: opts.config,
    inputs,
    configArg: opts.configArg,
    versions: versionsText(),
    image(file, name, alt) {
      copyFileSync(file, path.join(imgDir, name));
      return md(alt, name);
    },
    async chart(spec: ChartSpec, name, alt) {
      await renderChart(spec, path.join(imgDir, name));
      return md(alt, name);
    },
  };
  const title = `tinynet report — ${opts.config.train.experiment}`;
  const parts = [
    `# ${title}`,
    `_Generated ${new Date().toISOString()} from \`${opts.config.paths.artifacts}\` and \`${opts.config.paths.runs}\`. Sections follow the course ` +
      `report's numbering._`,
  ];
  const missingIds: string[] = [];
  for (const s of SECTIONS) {
    const body = await s.render(ctx);
    if (body.includes('**Missing:**')) missingIds.push(s.id);
    parts.push(`## ${s.title}`, body);
  }
  const markdown = `${parts.join('\n\n')}\n`;
  writeFileAtomicSync(path.join(out, 'report.md'), markdown);
  const html = toHtml(title, markdown, out);
  writeFileAtomicSync(path.join(out, 'report.html'), html);
  return { markdown, html, images, missing: missingIds };
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}
img{max-width:100%;border:1px solid #eee}code{background:#f5f5f5;padding:0 3px}pre{background:#f5f5f5;padding:.8em;overflow:auto}
blockquote{border-left:4px solid #e67e22;margin:1em 0;padding:.2em 1em;background:#fdf6ec}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}`;

/** Markdown → HTML with marked; every local image becomes a data URI so the file stands alone. */
export function toHtml(title: string, markdown: string, baseDir: string): string {
  const marked = new Marked({ gfm: true });
  const body = (marked.parse(markdown) as string).replace(/<img src="([^"]+)"/g, (whole, src: string) => {
    const file = path.join(baseDir, decodeURI(src));
    if (/^(data:|https?:)/.test(src) || !existsSync(file)) return whole;
    return `<img src="data:image/png;base64,${readFileSync(file).toString('base64')}"`;
  });
  const esc = title.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc}</title><style>${CSS}</style></head><body>\n${body}\n</body></html>\n`;
}
