import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config/index.js';
import { TinynetError } from '../core/errors.js';
import {
  gridPaths,
  protocolPaths,
  type BaselinesFile,
  type GridSummaryFile,
  type GridTrialResult,
  type HistoryFile,
  type LrFindFile,
  type MiniGridFile,
  type ProtocolPaths,
  type SanityFile,
  type SplitStats,
} from '../core/protocol-artifacts.js';
import type { EvaluationReport } from '../core/eval-report.js';

/** Data stats as `tinynet data stats` writes them (dataset/stats.ts DatasetStats; only what the report reads). */
export interface DataStats {
  source: { kind: string; path: string; fingerprint: string };
  input_shape: [number, number, number];
  num_classes: number;
  splits: Record<'train' | 'val' | 'test', SplitStats>;
  split: { strategy: string; test_ratio: number; seed: number; test_from: string; val_from: string };
  grayscale_total: number;
  grayscale_fraction: number;
  mean: number[];
  std: number[];
}

export interface GridArtifacts {
  summary: GridSummaryFile;
  dir: string;
  trials: GridTrialResult[];
  png: string | null;
}

/** Every artifact the report can use; null where the command that makes it has not run. */
export interface ReportInputs {
  paths: ProtocolPaths;
  stats: DataStats | null;
  classDistributionPng: string | null;
  augmentPreviewPng: string | null;
  baselines: BaselinesFile | null;
  sanity: SanityFile | null;
  lrFind: LrFindFile | null;
  lrFindPng: string | null;
  miniGrid: MiniGridFile | null;
  miniGridPng: string | null;
  grids: GridArtifacts[];
  history: HistoryFile | null;
  /** Other runs' histories (other experiments' artifacts folders given with --runs). */
  otherHistories: HistoryFile[];
  evaluations: Array<{ file: string; report: EvaluationReport }>;
}

function readJson<T>(file: string, kind?: string): T | null {
  if (!existsSync(file)) return null;
  let doc: T & { kind?: string };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TinynetError('report.bad_artifact', `${file} is not valid JSON (${(err as Error).message})`, 'run the command that writes it again');
  }
  if (kind && doc.kind !== kind)
    throw new TinynetError('report.bad_artifact', `${file} is not a ${kind} file (kind ${JSON.stringify(doc.kind)})`, 'run the command that writes it again');
  return doc;
}

const fileIf = (f: string) => (existsSync(f) && statSync(f).isFile() ? f : null);

/** Grids under <runs>/grid/*: their summary and finished trials. */
function loadGrids(gridRoot: string): GridArtifacts[] {
  if (!existsSync(gridRoot)) return [];
  const out: GridArtifacts[] = [];
  for (const name of readdirSync(gridRoot).sort()) {
    const gp = gridPaths(gridRoot, name);
    const summary = readJson<GridSummaryFile>(gp.summaryJson, 'tinynet-grid-summary');
    if (!summary) continue;
    const trials = summary.rows
      .map((r) => readJson<GridTrialResult>(gp.trialResult(r.trial), 'tinynet-grid-trial'))
      .filter((t): t is GridTrialResult => t !== null);
    out.push({ summary, dir: gp.dir, trials, png: fileIf(path.join(gp.dir, 'summary.png')) });
  }
  return out;
}

/** Evaluation reports (`tinynet evaluate`) next to the model files: `*.eval-<split>.json`. */
function loadEvaluations(artifacts: string): ReportInputs['evaluations'] {
  if (!existsSync(artifacts)) return [];
  return readdirSync(artifacts)
    .filter((f) => /\.eval-[\w-]+\.json$/.test(f))
    .sort()
    .map((f) => ({ file: path.join(artifacts, f), report: readJson<EvaluationReport>(path.join(artifacts, f))! }))
    .filter((e) => e.report && typeof e.report.metrics?.accuracy === 'number');
}

export function loadReportInputs(config: Config, extraRuns: string[] = []): ReportInputs {
  const p = protocolPaths(config.paths);
  return {
    paths: p,
    stats: readJson<DataStats>(p.dataStatsJson),
    classDistributionPng: fileIf(p.classDistributionPng),
    augmentPreviewPng: fileIf(p.augmentPreviewPng),
    baselines: readJson<BaselinesFile>(p.baselines, 'tinynet-baselines'),
    sanity: readJson<SanityFile>(p.sanity, 'tinynet-sanity'),
    lrFind: readJson<LrFindFile>(p.lrFindJson, 'tinynet-lr-find'),
    lrFindPng: fileIf(p.lrFindPng),
    miniGrid: readJson<MiniGridFile>(p.miniGridJson, 'tinynet-lr-mini-grid'),
    miniGridPng: fileIf(p.miniGridPng),
    grids: loadGrids(p.gridRoot),
    history: readJson<HistoryFile>(p.history, 'tinynet-history'),
    otherHistories: extraRuns.map((dir) => {
      const f = dir.endsWith('.json') ? dir : path.join(dir, 'history.json');
      const h = readJson<HistoryFile>(f, 'tinynet-history');
      if (!h) throw new TinynetError('report.bad_artifact', `no history.json at ${f}`, 'pass the paths.artifacts folder of a finished `tinynet train` run');
      return h;
    }),
    evaluations: loadEvaluations(config.paths.artifacts),
  };
}
