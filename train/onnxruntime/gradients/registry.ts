/**
 * One gradient builder per forward op, looked up by op type — the shape of onnxruntime's
 * gradient_builder.cc, but every gradient is written with standard ONNX ops, because
 * onnxruntime-node ships none of the training kernels (ConvGrad, BatchNormalizationGrad, …).
 */
import { TinynetError } from '../../../core/errors.js';
import type { IrNode } from '../../../onnx/ir.js';
import type { TrainGraph } from '../graph.js';

export interface GradContext {
  tg: TrainGraph;
  node: IrNode;
  /** The gradient of each output, or null where that output does not reach the loss. */
  dy: (string | null)[];
  /** Which inputs need a gradient (the others may be returned as null). */
  needs: boolean[];
  /** A unique name prefix for the nodes this builder adds. */
  scope: string;
}

/** Returns one gradient per input of the node (null where none is needed). */
export type GradientBuilder = (ctx: GradContext) => (string | null)[];

const registry = new Map<string, GradientBuilder>();

export function registerGradient(ops: string | string[], builder: GradientBuilder): void {
  for (const op of Array.isArray(ops) ? ops : [ops]) registry.set(op, builder);
}

export function differentiableOps(): string[] {
  return [...registry.keys()].sort();
}

export function findGradient(node: IrNode): GradientBuilder {
  const builder = registry.get(node.op);
  if (!builder) {
    throw new TinynetError(
      'train.no_gradient',
      `the onnxruntime engine cannot differentiate node "${node.name}": op ${node.op} has no gradient builder`,
      `train this model with --backend wasm, or use ops with gradients: ${differentiableOps().join(', ')}`,
    );
  }
  return builder;
}

export function intAttr(node: IrNode, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.kind === 'int' ? a.value : fallback;
}

export function intsAttr(node: IrNode, name: string, fallback: number[]): number[] {
  const a = node.attrs[name];
  return a && a.kind === 'ints' ? a.value : fallback;
}

export function floatAttr(node: IrNode, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.kind === 'float' ? a.value : fallback;
}
