/** One measured figure, with the reference measured in the same run where there is one. */
export interface BenchRow {
  case: string;
  value: number;
  unit: string;
  reference?: string;
  referenceValue?: number;
  /** value / referenceValue (or the ratio that reads "higher is better" — say which in `case`). */
  ratio?: number;
}

export interface BenchResult {
  name: string;
  results: BenchRow[];
  /** How to reproduce, caveats, what was skipped and why. */
  notes?: string;
}
