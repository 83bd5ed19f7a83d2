/**
 * The parts of `tinynet evaluate`'s JSON report (core/eval-report.ts on h-serve, EVAL_REPORT_FORMAT 1)
 * that the report reads. Declared here so the report does not depend on that branch's code.
 */
export interface EvaluationReport {
  format: number;
  created_at: string;
  source: { kind: string; file: string; engine: string };
  dataset: { split: string; count: number; num_classes: number };
  metrics: { accuracy: number; top5: number; macro_f1: number; loss: number | null };
  per_class: Array<{ index: number; name: string; precision: number; recall: number; f1: number; support: number }>;
  most_confused: Array<{ true: number; true_name: string; predicted: number; predicted_name: string; count: number }>;
  reference: { accuracy: number | null; top5: number | null; macro_f1: number | null; from: string } | null;
  files: { json: string; confusion_csv: string; confusion_png: string | null };
}
