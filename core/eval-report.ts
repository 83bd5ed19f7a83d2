/**
 * The evaluation report shared by `tinynet evaluate --model` (onnxruntime, serve/) and
 * `--checkpoint` (TensorFlow.js, train/): one JSON shape, one CSV confusion matrix, one
 * comparison line against the validation metrics the checkpoint recorded — so the two can be
 * diffed field by field. Files are written atomically (temp file + rename).
 */
import { writeFileAtomicSync } from './atomic.js';
import path from 'node:path';
import { MetricsAccumulator, crossEntropy, mostConfusedPairs, type ClassificationReport } from './metrics.js';
import { TinynetError } from './errors.js';
import { createLogger } from './log.js';
import { renderConfusionHeatmap } from './confusion-heatmap.js';

const log = createLogger('evaluate');

export const EVAL_REPORT_FORMAT = 1;

export interface EvalClass {
  index: number;
  wnid: string | null;
  name: string;
}

export interface EvaluationReport {
  format: typeof EVAL_REPORT_FORMAT;
  created_at: string;
  source: { kind: 'onnx' | 'checkpoint'; file: string; engine: string };
  dataset: { split: string; count: number; num_classes: number; cache_dir: string; fingerprint: string | null };
  metrics: { accuracy: number; top5: number; macro_f1: number; loss: number | null };
  per_class: Array<EvalClass & { precision: number; recall: number; f1: number; support: number }>;
  most_confused: Array<{ true: number; true_name: string; predicted: number; predicted_name: string; count: number }>;
  /** Validation metrics recorded at training time (checkpoint / model provenance), when known. */
  reference: { accuracy: number | null; top5: number | null; macro_f1: number | null; from: string } | null;
  timing: { seconds: number; images_per_second: number };
  files: { json: string; confusion_csv: string; confusion_png: string | null };
}

export interface BuildReportInput {
  source: EvaluationReport['source'];
  dataset: Omit<EvaluationReport['dataset'], 'count' | 'num_classes'>;
  classes: EvalClass[];
  report: ClassificationReport;
  loss: number | null;
  seconds: number;
  /** Metrics recorded at training time, e.g. { 'val/accuracy', 'val/top5', 'val/f1' }. */
  referenceMetrics?: Record<string, unknown> | null;
  referenceFrom?: string;
  files: EvaluationReport['files'];
}

export function buildEvaluationReport(input: BuildReportInput): EvaluationReport {
  const { report, classes } = input;
  const name = (i: number) => classes[i]?.name ?? `class_${i}`;
  return {
    format: EVAL_REPORT_FORMAT,
    created_at: new Date().toISOString(),
    source: input.source,
    dataset: { ...input.dataset, count: report.count, num_classes: classes.length },
    metrics: { accuracy: report.accuracy, top5: report.top5, macro_f1: report.macroF1, loss: input.loss },
    per_class: report.perClass.map((p) => ({
      index: p.index,
      wnid: classes[p.index]?.wnid ?? null,
      name: name(p.index),
      precision: p.precision,
      recall: p.recall,
      f1: p.f1,
      support: p.support,
    })),
    most_confused: mostConfusedPairs(report.confusion, 20).map((p) => ({
      true: p.true,
      true_name: name(p.true),
      predicted: p.predicted,
      predicted_name: name(p.predicted),
      count: p.count,
    })),
    reference: referenceFrom(input.referenceMetrics ?? null, input.referenceFrom ?? 'provenance'),
    timing: { seconds: input.seconds, images_per_second: input.seconds > 0 ? report.count / input.seconds : 0 },
    files: input.files,
  };
}

/** Pick accuracy / top-5 / macro-F1 from a training metrics record, whatever its key style. */
function referenceFrom(metrics: Record<string, unknown> | null, from: string): EvaluationReport['reference'] {
  if (!metrics) return null;
  const pick = (...keys: string[]) => {
    for (const k of keys) if (typeof metrics[k] === 'number') return metrics[k] as number;
    return null;
  };
  const accuracy = pick('val/accuracy', 'val_accuracy', 'accuracy');
  const top5 = pick('val/top5', 'val_top5', 'top5');
  const macro_f1 = pick('val/f1', 'val/macro_f1', 'val_f1', 'macro_f1', 'macroF1');
  return accuracy === null && top5 === null && macro_f1 === null ? null : { accuracy, top5, macro_f1, from };
}

/** One line for the log: these metrics next to the validation metrics recorded at training time. */
export function comparisonLine(r: EvaluationReport): string {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);
  const delta = (a: number, b: number | null) => (b === null ? '' : ` (${a - b >= 0 ? '+' : ''}${(100 * (a - b)).toFixed(2)} pt)`);
  const m = r.metrics;
  const head = `${r.dataset.split}: top-1 ${pct(m.accuracy)}, top-5 ${pct(m.top5)}, macro-F1 ${pct(m.macro_f1)} on ${r.dataset.count} images`;
  if (!r.reference) return `${head}; no validation metrics recorded in the ${r.source.kind} to compare with`;
  const ref = r.reference;
  return (
    `${head} · vs training-time val (${ref.from}): top-1 ${pct(ref.accuracy)}${delta(m.accuracy, ref.accuracy)}, ` +
    `top-5 ${pct(ref.top5)}${delta(m.top5, ref.top5)}, macro-F1 ${pct(ref.macro_f1)}${delta(m.macro_f1, ref.macro_f1)}`
  );
}

/** Confusion matrix as CSV: header row of predicted class names, one row per true class. */
export function confusionCsv(confusion: number[][], classes: EvalClass[]): string {
  const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const names = confusion.map((_, i) => cell(classes[i]?.name ?? `class_${i}`));
  const lines = [['true \\ predicted', ...names].join(',')];
  confusion.forEach((row, i) => {
    lines.push([names[i], ...row.map(String)].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Where the report files go: next to the evaluated file, named after it and the split.
 * `model.onnx` → `model.eval-test.json`; a checkpoint keeps its extension in the name
 * (`best.ckpt` → `best.ckpt.eval-test.json`) so the two reports never overwrite each other,
 * whatever the files are called.
 */
export function reportPaths(evaluatedFile: string, split: string): EvaluationReport['files'] {
  const base = evaluatedFile.replace(/\.onnx$/i, '');
  return { json: `${base}.eval-${split}.json`, confusion_csv: `${base}.confusion-${split}.csv`, confusion_png: `${base}.confusion-${split}.png` };
}

/** [from, to) row ranges of `n` samples in batches of `batchSize`, in order. */
export function batchRanges(n: number, batchSize: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = 0; s < n; s += batchSize) out.push([s, Math.min(n, s + batchSize)]);
  return out;
}

/** What an engine knows about the model it evaluates, to check it against the dataset. */
export interface EvaluatedModelShape {
  height: number;
  width: number;
  numClasses: number;
  /** The resize rule the model declares, when it is an ONNX file. */
  resize?: string;
}

/** A model trained for another image size, class count or resize rule cannot be scored on this dataset: say so. */
export function checkModelFitsDataset(
  model: EvaluatedModelShape,
  dataset: { input_shape: [number, number, number]; num_classes: number; resize?: string },
  modelFile: string,
  dir: string,
): void {
  const [h, w] = dataset.input_shape;
  if (model.height !== h || model.width !== w) {
    throw new TinynetError(
      'evaluate.size_mismatch',
      `${modelFile} takes ${model.height}×${model.width} images but the dataset in ${dir} holds ${h}×${w}`,
      'evaluate with the config the model was trained with (dataset.image_size)',
    );
  }
  if (model.numClasses !== dataset.num_classes) {
    throw new TinynetError(
      'evaluate.class_mismatch',
      `${modelFile} predicts ${model.numClasses} classes but the dataset in ${dir} has ${dataset.num_classes}`,
      'evaluate with the config the model was trained with',
    );
  }
  if (model.resize && dataset.resize && model.resize !== dataset.resize) {
    throw new TinynetError(
      'evaluate.resize_mismatch',
      `${modelFile} resizes images by ${model.resize} but the dataset in ${dir} was prepared with ${dataset.resize}`,
      `evaluate with the config the model was trained with (dataset.resize: ${model.resize})`,
    );
  }
}

/**
 * Metrics and loss accumulated batch by batch, whatever engine produced the scores. Predictions
 * are ranked on the logits when the engine gives them (both engines do for tinynet models), so
 * ONNX and TensorFlow.js rank the same quantity; probabilities are the fallback.
 */
export class EvalAccumulator {
  private readonly metrics: MetricsAccumulator;
  private lossSum = 0;
  private lossCount = 0;

  constructor(readonly numClasses: number) {
    this.metrics = new MetricsAccumulator(numClasses);
  }

  add(scores: { logits?: ArrayLike<number> | null; probabilities?: ArrayLike<number> | null }, labels: ArrayLike<number>): void {
    const ranked = scores.logits ?? scores.probabilities;
    if (!ranked) throw new Error('EvalAccumulator.add needs logits or probabilities');
    this.metrics.add(ranked, labels);
    if (scores.logits) {
      this.lossSum += crossEntropy(scores.logits, labels, this.numClasses) * labels.length;
      this.lossCount += labels.length;
    }
  }

  /** Running top-1 accuracy, for the progress bar. */
  get accuracy(): number {
    return this.metrics.report().accuracy;
  }

  result(): { report: ClassificationReport; loss: number | null } {
    return { report: this.metrics.report(), loss: this.lossCount ? this.lossSum / this.lossCount : null };
  }
}

export interface WriteReportInput extends Omit<BuildReportInput, 'report' | 'loss' | 'files'> {
  accumulator: EvalAccumulator;
  /** Skip the PNG heatmap (tests). */
  heatmap?: boolean;
}

/**
 * Build the report and write its files next to the evaluated file (CSV, heatmap PNG, then the
 * JSON last, so a JSON on disk means the set is complete), and log the comparison line.
 */
export async function writeEvaluationReport(input: WriteReportInput): Promise<EvaluationReport> {
  const { accumulator, heatmap, ...rest } = input;
  const { report: result, loss } = accumulator.result();
  const files = reportPaths(input.source.file, input.dataset.split);
  if (heatmap === false) files.confusion_png = null;
  const report = buildEvaluationReport({ ...rest, report: result, loss, files });
  writeFileAtomicSync(files.confusion_csv, confusionCsv(result.confusion, input.classes));
  if (files.confusion_png) {
    const names = result.confusion.map((_, i) => input.classes[i]?.name ?? `class_${i}`);
    await renderConfusionHeatmap(
      result.confusion,
      names,
      files.confusion_png,
      `Confusion matrix · ${input.dataset.split} · ${path.basename(input.source.file)}`,
    );
  }
  writeFileAtomicSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  log.info(comparisonLine(report));
  if (report.most_confused.length > 0) {
    log.info(
      `most confused: ${report.most_confused
        .slice(0, 5)
        .map((p) => `${p.true_name} → ${p.predicted_name} (${p.count})`)
        .join(', ')}`,
    );
  }
  log.info(`wrote ${files.json}`);
  return report;
}
