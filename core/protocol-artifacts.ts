/**
 * Where the experiment-protocol commands (baselines, sanity, lr-find, grid, train) leave their
 * results, and the JSON shapes they write. The report reads only these files, so this module is
 * the contract between the commands that compute and the report that presents.
 */
import path from 'node:path';

export interface ProtocolPaths {
  /** `<paths.artifacts>/protocol`: baselines.json, sanity.json, lr-find.* */
  protocol: string;
  baselines: string;
  sanity: string;
  lrFindJson: string;
  lrFindCsv: string;
  lrFindPng: string;
  miniGridJson: string;
  miniGridCsv: string;
  miniGridPng: string;
  /** The main run's per-epoch history, written by the trainer beside best.ckpt. */
  history: string;
  bestCkpt: string;
  lastCkpt: string;
  /** `tinynet data stats` / `data preview` outputs. */
  dataStatsJson: string;
  classDistributionPng: string;
  augmentPreviewPng: string;
  /** `<paths.runs>/grid`: one folder per grid name. */
  gridRoot: string;
  /** TensorBoard folder of the sanity overfit run. */
  sanityRuns: string;
  lrFindRuns: string;
  report: string;
}

export function protocolPaths(paths: { artifacts: string; runs: string }): ProtocolPaths {
  const protocol = path.join(paths.artifacts, 'protocol');
  const dataStats = path.join(paths.runs, 'data-stats');
  return {
    protocol,
    baselines: path.join(protocol, 'baselines.json'),
    sanity: path.join(protocol, 'sanity.json'),
    lrFindJson: path.join(protocol, 'lr-find.json'),
    lrFindCsv: path.join(protocol, 'lr-find.csv'),
    lrFindPng: path.join(protocol, 'lr-find.png'),
    miniGridJson: path.join(protocol, 'lr-mini-grid.json'),
    miniGridCsv: path.join(protocol, 'lr-mini-grid.csv'),
    miniGridPng: path.join(protocol, 'lr-mini-grid.png'),
    history: path.join(paths.artifacts, 'history.json'),
    bestCkpt: path.join(paths.artifacts, 'best.ckpt'),
    lastCkpt: path.join(paths.artifacts, 'last.ckpt'),
    dataStatsJson: path.join(dataStats, 'stats.json'),
    classDistributionPng: path.join(dataStats, 'class-distribution.png'),
    augmentPreviewPng: path.join(dataStats, 'augment-preview.png'),
    gridRoot: path.join(paths.runs, 'grid'),
    sanityRuns: path.join(paths.runs, 'sanity'),
    lrFindRuns: path.join(paths.runs, 'lr-find'),
    report: path.join(paths.artifacts, 'report'),
  };
}

/** Files of one grid: `<paths.runs>/grid/<name>/`. */
export function gridPaths(gridRoot: string, name: string) {
  const dir = path.join(gridRoot, name);
  return {
    dir,
    summaryJson: path.join(dir, 'summary.json'),
    summaryCsv: path.join(dir, 'summary.csv'),
    summaryMd: path.join(dir, 'summary.md'),
    trialDir: (trial: string) => path.join(dir, trial),
    /** Written by the trial itself when it finished: the done-marker a resumed grid skips on. */
    trialResult: (trial: string) => path.join(dir, trial, 'result.json'),
    /** Where the trial is at (running, failed and why, interrupted…), rewritten by the trial process. */
    trialState: (trial: string) => path.join(dir, trial, 'state.json'),
    trialLog: (trial: string) => path.join(dir, trial, 'train.log'),
    /** The Slurm job-array script `tinynet grid --executor slurm` writes and submits. */
    slurmScript: path.join(dir, 'grid.sbatch'),
    /** Slurm's own output per array task (`%A_%a.out`). */
    slurmOutput: path.join(dir, 'slurm'),
    /** Every submission: job id and the trial indices it holds. */
    slurmJobs: path.join(dir, 'slurm-jobs.json'),
  };
}

/** One epoch as the trainer reports it (train/types.ts EpochMetrics adds the required timing fields). */
export interface EpochRecord {
  epoch: number;
  step: number;
  'train/loss': number;
  'train/accuracy': number;
  'val/loss': number;
  'val/accuracy': number;
  'val/top5': number;
  'val/f1': number;
  lr: number;
  throughput?: number;
  seconds?: number;
}

/** `<paths.artifacts>/history.json`, rewritten after every epoch of `tinynet train`. */
export interface HistoryFile {
  kind: 'tinynet-history';
  experiment: string;
  config_hash: string;
  seed: number;
  /** The resolved config of the run (reproducibility block). */
  config: unknown;
  /** The command line that started the run. */
  command: string;
  backend: string;
  updated_at: string;
  stop_reason: string | null;
  best: { monitor: string; value: number; epoch: number } | null;
  history: EpochRecord[];
}

export interface BaselineScore {
  accuracy: number;
  macro_f1: number;
  count: number;
}

export interface BaselinesFile {
  kind: 'tinynet-baselines';
  created_at: string;
  num_classes: number;
  /** The class the majority predictor always answers (most frequent in train). */
  majority_class: { id: number; name: string; train_count: number };
  seed: number;
  results: Array<{ predictor: 'majority' | 'uniform_random'; split: 'val' | 'test' } & BaselineScore>;
  command: string;
}

export interface SanityCheck {
  name: 'batch_shape' | 'initial_loss' | 'gradients' | 'overfit';
  passed: boolean;
  /** One human sentence with the numbers. */
  detail: string;
  values: Record<string, unknown>;
}

export interface SanityFile {
  kind: 'tinynet-sanity';
  created_at: string;
  passed: boolean;
  checks: SanityCheck[];
  /** Architecture table and parameter counts (course report M1). */
  model: {
    config: unknown;
    layers: Array<{ name: string; type: string; outputShape: string; params: number }>;
    totalParams: number;
    trainableParams: number;
    nonTrainableParams: number;
    outputShape: number[];
  };
  overfit_history: EpochRecord[];
  tensorboard: string;
  command: string;
}

export interface LrPoint {
  step: number;
  lr: number;
  loss: number;
  smoothed: number;
}

export interface LrFindFile {
  kind: 'tinynet-lr-find';
  created_at: string;
  min_lr: number;
  max_lr: number;
  steps_planned: number;
  smoothing: number;
  diverge_factor: number;
  points: LrPoint[];
  /** LR at which the smoothed loss first exceeded diverge_factor × best (null: no divergence in the sweep). */
  diverged_at: number | null;
  best: { lr: number; smoothed: number };
  steepest: { lr: number; slope: number };
  divisor: number;
  suggested_lr: number;
  rule: string;
  command: string;
}

export interface MiniGridRow {
  rank: number;
  lr: number;
  weight_decay: number;
  final_loss: number;
  losses: number[];
  diverged: boolean;
}

export interface MiniGridFile {
  kind: 'tinynet-lr-mini-grid';
  created_at: string;
  steps: number;
  rule: string;
  rows: MiniGridRow[];
  command: string;
}

export interface GridTrialResult {
  kind: 'tinynet-grid-trial';
  trial: string;
  params: Record<string, unknown>;
  metric: string;
  /** Best value of the grid metric over the trial's epochs (max for accuracy/F1/top-5, min for loss). */
  value: number | null;
  best_epoch: number | null;
  stop_reason: string;
  seconds: number;
  history: EpochRecord[];
  command: string;
  finished_at: string;
  /** Times the scheduler restarted this trial (SLURM_RESTART_COUNT; 0 when never requeued). */
  restarts?: number;
}

/** What a trial process last said about itself (`<trial>/state.json`). */
export interface GridTrialState {
  kind: 'tinynet-grid-trial-state';
  trial: string;
  index: number;
  state: 'running' | 'failed' | 'interrupted' | 'requeued' | 'done';
  /** Why it failed or stopped: the error, or the last line of train.log. */
  reason: string | null;
  host: string;
  pid: number;
  /** `<array job>_<task>` when Slurm runs it. */
  slurm_job: string | null;
  restarts: number;
  updated_at: string;
}

export interface GridSummaryRow {
  rank: number;
  trial: string;
  params: Record<string, unknown>;
  value: number | null;
  best_epoch: number | null;
  final: Partial<EpochRecord>;
  status: string;
}

export interface GridSummaryFile {
  kind: 'tinynet-grid-summary';
  name: string;
  created_at: string;
  metric: string;
  keys: string[];
  epochs: number;
  max_steps_per_epoch: number;
  seed: number;
  rows: GridSummaryRow[];
  command: string;
}

/** The command line of this process, as a user would type it again. */
export function commandLine(argv = process.argv): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const args = argv.slice(2).map(quote).join(' ');
  return `tinynet ${args}`.trim();
}

/** One split's figures in `tinynet data stats`'s stats.json (dataset/stats.ts writes them, the report reads them). */
export interface SplitStats {
  size: number;
  classes_present: number;
  per_class: { min: number; max: number; mean: number; std: number };
  /** max/min images per class over the classes present (1 = perfectly balanced). */
  imbalance_ratio: number;
  /** Coefficient of variation of per-class counts (std/mean). */
  imbalance_cv: number;
  grayscale: number;
  image_sizes: Record<string, number>;
}
