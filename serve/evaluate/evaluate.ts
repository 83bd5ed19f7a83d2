/**
 * `tinynet evaluate --model`: the exported ONNX file on a prepared dataset split, through
 * onnxruntime-node (the same session pool the server uses), batched, with a progress bar.
 * Writes the shared evaluation report (core/eval-report.ts) next to the model: JSON, confusion
 * CSV and heatmap PNG; ends with a line comparing against the training-time val metrics.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Config } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { createProgress } from '../../core/progress.js';
import { EvalAccumulator, batchRanges, checkModelFitsDataset, writeEvaluationReport, type EvaluationReport } from '../../core/eval-report.js';
import { loadMeta, loadSplit, type SplitName } from '../../dataset/cache.js';
import { cacheDirFor } from '../../dataset/prepare.js';
import { readModelInfo } from '../model/model-info.js';
import { inputDims, pixelsToSample, stackSamples } from '../model/input-tensor.js';
import { SessionPool, type BatchOutput } from '../session/pool.js';

const log = createLogger('evaluate');

export interface EvaluateOptions {
  config: Config;
  modelPath: string;
  split: SplitName;
  batchSize?: number;
  /** Dataset cache dir; default: the one `data prepare` made for this config. */
  cacheDir?: string;
  /** Skip the PNG heatmap (tests). */
  heatmap?: boolean;
}

export async function evaluateOnnx(opts: EvaluateOptions): Promise<EvaluationReport> {
  if (!existsSync(opts.modelPath)) {
    throw new TinynetError(
      'model.not_found',
      `model file not found: ${opts.modelPath}`,
      'run `tinynet export` first, or pass --model with an existing .onnx file',
    );
  }
  const dir = opts.cacheDir ?? cacheDirFor(opts.config);
  const meta = loadMeta(dir);
  const data = loadSplit(dir, opts.split);
  const info = readModelInfo(new Uint8Array(await readFile(opts.modelPath)), opts.modelPath);
  checkModelFitsDataset(info, meta, opts.modelPath, dir);
  if (data.n === 0)
    throw new TinynetError('evaluate.empty_split', `the ${opts.split} split in ${dir} has no images`, 'prepare the dataset with a non-zero test_ratio');

  const cfg = opts.config.serve;
  const pool = await SessionPool.open(
    { modelPath: opts.modelPath, providers: cfg.providers, threads: cfg.threads, workers: cfg.workers },
    { inputName: info.inputName, dtype: info.inputDtype, dims: inputDims(info, 1) },
  );
  log.info(
    `${info.name} on ${pool.info.provider.toUpperCase()} · ${pool.info.workers} worker(s) × ${pool.info.threads} thread(s) · ${opts.split} split: ` +
      `${data.n} images, ${meta.num_classes} classes`,
  );

  const batchSize = opts.batchSize ?? cfg.max_batch;
  const acc = new EvalAccumulator(info.numClasses);
  const sampleLen = data.height * data.width * 3;
  const progress = createProgress({ label: `evaluate ${opts.split}`, total: data.n, unit: 'img' });
  const start = performance.now();
  try {
    const batches = batchRanges(data.n, batchSize);
    // Keep every worker busy; results are folded in batch order so the report is deterministic.
    const inFlight = new Map<number, Promise<BatchOutput>>();
    const submit = (b: number) => {
      const [from, to] = batches[b];
      const samples = [];
      for (let i = from; i < to; i++) samples.push(pixelsToSample(data.images.subarray(i * sampleLen, (i + 1) * sampleLen), info));
      inFlight.set(
        b,
        pool.run({
          inputName: info.inputName,
          dtype: info.inputDtype,
          dims: inputDims(info, to - from),
          data: stackSamples(samples, info),
          outputs: [info.logitsName, info.probabilitiesName].filter((n): n is string => n !== null),
        }),
      );
    };
    let next = 0;
    for (; next < Math.min(batches.length, pool.info.workers + 1); next++) submit(next);
    for (let b = 0; b < batches.length; b++) {
      const out = await inFlight.get(b)!;
      inFlight.delete(b);
      if (next < batches.length) submit(next++);
      const [from, to] = batches[b];
      const labels = data.labels.subarray(from, to);
      acc.add(
        {
          logits: info.logitsName ? out.outputs[info.logitsName].data : null,
          probabilities: info.probabilitiesName ? out.outputs[info.probabilitiesName].data : null,
        },
        labels,
      );
      progress.tick(to - from, { acc: acc.accuracy });
    }
  } finally {
    progress.stop();
    await pool.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const classes = info.labels.map((l, i) => ({ index: i, wnid: l.wnid ?? meta.classes[i]?.wnid ?? null, name: l.label }));
  return writeEvaluationReport({
    source: { kind: 'onnx', file: opts.modelPath, engine: `onnxruntime-node ${pool.info.provider}` },
    dataset: { split: opts.split, cache_dir: dir, fingerprint: meta.source?.fingerprint ?? null },
    classes,
    accumulator: acc,
    seconds,
    referenceMetrics: (info.provenance?.metrics as Record<string, unknown> | undefined) ?? null,
    referenceFrom: 'model provenance',
    heatmap: opts.heatmap,
  });
}
