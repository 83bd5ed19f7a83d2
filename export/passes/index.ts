/** The graph passes, in the order the exporter runs them. Each returns how many rewrites it made. */
import type { IrGraph } from '../../onnx/ir.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { fuseTransposes } from './fuse-transposes.js';
import { removeDeadNodes } from './remove-dead-nodes.js';

export interface PassOptions {
  foldBatchNorm: boolean;
}

export function runPasses(graph: IrGraph, opts: PassOptions): Record<string, number> {
  const report: Record<string, number> = {};
  if (opts.foldBatchNorm) report.fold_batchnorm = foldBatchNorm(graph);
  report.fuse_transposes = fuseTransposes(graph);
  report.remove_dead_nodes = removeDeadNodes(graph);
  return report;
}

export { foldBatchNorm, fuseTransposes, removeDeadNodes };
