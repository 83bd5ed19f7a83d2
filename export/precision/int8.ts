/** float graph + calibration images → int8 QDQ graph (plan, calibrate the planned values, rewrite). */
import type { IrGraph } from '../../onnx/ir.js';
import type { QuantType } from '../quantize/arithmetic.js';
import { createCalibrator, type CalibrationMethod } from '../quantize/calibrators/index.js';
import { collectRanges, type CalibrationImages } from '../quantize/collect.js';
import { planQdq } from '../quantize/plan.js';
import { rewriteQdq } from '../quantize/rewrite.js';

export interface Int8Options {
  method: CalibrationMethod;
  activations: QuantType;
  percentile?: number;
  bins?: number;
}

export interface Int8Result {
  graph: IrGraph;
  /** Values given a QuantizeLinear. */
  quantizedValues: number;
  leftInFloat: Record<string, number>;
}

export async function quantizeInt8(floatGraph: IrGraph, images: CalibrationImages, opts: Int8Options): Promise<Int8Result> {
  const plan = planQdq(floatGraph);
  const calibrator = createCalibrator(opts.method, { percentile: opts.percentile, bins: opts.bins });
  await collectRanges(floatGraph, plan.calibrate, images, calibrator);
  const graph = rewriteQdq(plan, calibrator.ranges(), { activations: opts.activations });
  return { graph, quantizedValues: plan.quantized.size, leftInFloat: plan.leftInFloat };
}
