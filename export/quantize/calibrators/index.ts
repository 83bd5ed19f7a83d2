export { CALIBRATION_METHODS, type CalibrationMethod, type Calibrator, type Range } from './calibrator.js';
import type { CalibrationMethod, Calibrator } from './calibrator.js';
import { MinMaxCalibrator } from './minmax.js';
import { PercentileCalibrator } from './percentile.js';
import { EntropyCalibrator } from './entropy.js';

export { MinMaxCalibrator, PercentileCalibrator, EntropyCalibrator };

export interface CalibratorOptions {
  percentile?: number;
  bins?: number;
}

export function createCalibrator(method: CalibrationMethod, opts: CalibratorOptions = {}): Calibrator {
  if (method === 'minmax') return new MinMaxCalibrator();
  if (method === 'percentile') return new PercentileCalibrator(opts.percentile, opts.bins);
  return new EntropyCalibrator(opts.bins);
}
