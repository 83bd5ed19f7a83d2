/**
 * `tinynet demo`: the whole toolchain on the built-in synthetic dataset, one summary line per stage.
 * Each stage calls the same room function as its own command, so the demo proves the commands.
 */
import path from 'node:path';
import type { Config } from '../../core/config/index.js';
import { protocolPaths, commandLine } from '../../core/protocol-artifacts.js';
import { prepareDataset } from '../../dataset/prepare.js';
import { loadSplit } from '../../dataset/cache.js';
import { writeStats } from '../../dataset/stats.js';
import { renderPreview } from '../../dataset/preview.js';
import { Rng } from '../../core/rng.js';
import { selectBackend } from '../../train/backend/select.js';
import { runBaselinesForConfig } from '../../train/protocol/baselines.js';
import { runSanityForConfig } from '../../train/protocol/run.js';
import { runTraining } from '../../train/run.js';
import { runExport } from '../../export/run.js';
import { evaluateOnnx } from '../../serve/evaluate/evaluate.js';
import { buildReport } from '../../report/build.js';
import { TinynetError } from '../../core/errors.js';

export interface DemoContext {
  config: Config;
  configHash: string;
  /** The --config as the user typed it, for the commands the report suggests. */
  configArg: string;
}

export interface Stage {
  name: string;
  /** Runs the stage and returns its one-line summary. */
  run(ctx: DemoContext): Promise<string>;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export const STAGES: Stage[] = [
  {
    name: 'data',
    async run({ config }) {
      const { dir, meta, reused } = await prepareDataset(config);
      const s = meta.splits;
      return (
        `${meta.num_classes} classes, ${s.train.size} train / ${s.val.size} val / ${s.test.size} test images ` +
        `${meta.input_shape.join('×')}${reused ? ' (cache reused)' : ''} → ${dir}`
      );
    },
  },
  {
    name: 'stats',
    async run({ config }) {
      const { dir, meta } = await prepareDataset(config);
      const p = protocolPaths(config.paths);
      const { stats } = await writeStats(meta, path.dirname(p.dataStatsJson));
      await renderPreview({ data: loadSplit(dir, 'train'), meta, augment: config.augment, rng: new Rng(config.seed), count: 8, outPng: p.augmentPreviewPng });
      const mean = meta.mean.map((v) => v.toFixed(3)).join(', ');
      const std = meta.std.map((v) => v.toFixed(3)).join(', ');
      return `mean (${mean}) std (${std}), ${stats.grayscale_total} grayscale; chart + augmentation preview in ${path.dirname(p.dataStatsJson)}`;
    },
  },
  {
    name: 'baselines',
    async run({ config }) {
      const { result } = await runBaselinesForConfig(config, commandLine());
      const val = (predictor: string) => result.results.find((r) => r.predictor === predictor && r.split === 'val');
      return (
        `val accuracy: majority ${pct(val('majority')?.accuracy ?? 0)}, uniform random ${pct(val('uniform_random')?.accuracy ?? 0)} (chance ` +
        `${pct(1 / result.num_classes)})`
      );
    },
  },
  {
    name: 'sanity',
    async run({ config, configHash }) {
      const { result } = await runSanityForConfig(config, configHash, commandLine());
      const summary = result.checks.map((c) => `${c.name} ${c.passed ? 'ok' : 'FAILED'}`).join(', ');
      if (!result.passed) {
        const failed = result.checks
          .filter((c) => !c.passed)
          .map((c) => c.detail)
          .join('; ');
        throw new TinynetError('demo.sanity_failed', `sanity checks failed: ${failed}`, 'run `tinynet sanity` with the same config for the full output');
      }
      return summary;
    },
  },
  {
    name: 'train',
    async run({ config, configHash }) {
      const result = await runTraining({ config, configHash, handleSignals: true });
      if (result.stopReason === 'non_finite' || result.stopReason === 'interrupted') {
        throw new TinynetError(`demo.train_${result.stopReason}`, `training stopped: ${result.message ?? result.stopReason}`);
      }
      const last = result.history.at(-1);
      const best = result.best;
      return (
        `${result.epoch} epochs, ${result.step} steps; best ${best ? `${best.monitor} ${best.value.toFixed(4)} at epoch ${best.epoch}` : 'n/a'}; ` +
        `last val accuracy ${last ? pct(last['val/accuracy']) : 'n/a'} → ${protocolPaths(config.paths).bestCkpt}`
      );
    },
  },
  {
    name: 'export',
    async run({ config }) {
      const p = protocolPaths(config.paths);
      const summary = await runExport({
        checkpoint: p.bestCkpt,
        out: path.join(config.paths.artifacts, 'model.onnx'),
        input: config.export.input,
        verify: true,
        tolerance: config.export.tolerance,
        foldBatchNorm: config.export.fold_batchnorm,
      });
      const v = summary.verify;
      if (!summary.written || !v?.ok) {
        throw new TinynetError(
          'demo.export_failed',
          `export verification failed (max |Δprob| ${v?.maxAbsProbabilities})`,
          'run `tinynet export` for the layer-by-layer diagnosis',
        );
      }
      return (
        `${path.basename(summary.out)} ${(summary.bytes / 1e6).toFixed(2)} MB, ${summary.nodes} nodes; verified: max |Δprob| ` +
        `${v.maxAbsProbabilities?.toExponential(1)}, top-1 agreement ${pct(v.top1Agreement ?? 0)}`
      );
    },
  },
  {
    name: 'evaluate',
    async run({ config }) {
      const report = await evaluateOnnx({ config, modelPath: path.join(config.paths.artifacts, 'model.onnx'), split: 'test' });
      const m = report.metrics;
      const scores = `top-1 ${pct(m.accuracy)}, top-5 ${pct(m.top5)}, macro-F1 ${m.macro_f1.toFixed(3)}`;
      return `test (${report.dataset.count} images): ${scores} → ${report.files.json}`;
    },
  },
  {
    name: 'report',
    async run({ config, configArg }) {
      const outDir = protocolPaths(config.paths).report;
      const r = await buildReport({ config, configArg, outDir });
      return `${path.join(outDir, 'report.html')} (${r.images.length} charts${r.missing.length ? `; waiting for: ${r.missing.join(', ')}` : ''})`;
    },
  },
];

/** Backend first: the training, sanity and export stages all compute with it. */
export async function prepareBackend(config: Config): Promise<string> {
  const b = await selectBackend(config.train.backend, { threads: config.train.threads });
  return `${b.name}, ${b.threads} thread${b.threads === 1 ? '' : 's'}, ${b.device}`;
}
