/**
 * A calibrator sees every calibrated tensor's values, batch after batch, and then names one
 * [min, max] range per tensor: the range its QuantizeLinear will cover.
 */
export interface Range {
  min: number;
  max: number;
}

export interface Calibrator {
  readonly method: CalibrationMethod;
  observe(tensor: string, values: Float32Array): void;
  ranges(): Map<string, Range>;
}

export const CALIBRATION_METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export function minMaxOf(values: Float32Array): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}

/** Narrow a threshold range to what was actually seen (a ReLU output keeps min 0). */
export function clipToSeen(r: Range, seen: Range): Range {
  return { min: Math.max(r.min, seen.min), max: Math.min(r.max, seen.max) };
}
