/**
 * The graph a training step is built in: the ONNX IR builder plus the static shape of every value
 * (NCHW, the batch left symbolic as 'N'). Gradient builders need shapes the IR does not carry:
 * the spatial size a transposed convolution must restore, the count a mean divides by.
 */
import { GraphBuilder } from '../../onnx/builder.js';
import type { Attr } from '../../onnx/ir.js';

export type Dim = number | 'N';
export type Dims = Dim[];

/** Ops of this domain exist only while the graph is built; lowerPseudoOps rewrites them into standard ONNX. */
export const PSEUDO_DOMAIN = 'tinynet.';

export class TrainGraph {
  readonly g: GraphBuilder;
  private readonly shapes = new Map<string, Dims>();

  constructor(name: string) {
    this.g = new GraphBuilder(name);
  }

  setShape(name: string, dims: Dims): string {
    this.shapes.set(name, dims);
    return name;
  }

  shape(name: string): Dims {
    const dims = this.shapes.get(name);
    if (!dims) throw new Error(`training graph: no shape recorded for value "${name}"`);
    return dims;
  }

  /** A one-output node whose output has `dims`. */
  op(op: string, inputs: string[], attrs: Record<string, Attr>, dims: Dims, name?: string): string {
    return this.setShape(this.g.op(op, inputs, attrs, name), dims);
  }

  /** A node with several outputs, each with its dims. */
  multi(op: string, inputs: string[], attrs: Record<string, Attr>, dims: Dims[], name?: string): string[] {
    const outs = this.g.node(op, inputs, attrs, { name, outputs: dims.length });
    outs.forEach((o, i) => {
      this.setShape(o, dims[i]);
    });
    return outs;
  }

  /** A float32 scalar constant. */
  scalar(base: string, value: number): string {
    return this.setShape(this.g.scalar(base, value), []);
  }

  int64s(base: string, values: number[]): string {
    return this.setShape(this.g.constInt64(base, values), [values.length]);
  }
}

/** Number of elements of a shape whose batch is `batch`. */
export function sizeOf(dims: Dims, batch: number): number {
  return dims.reduce<number>((a, d) => a * (d === 'N' ? batch : d), 1);
}

/** The shape with the batch dim replaced. */
export function concrete(dims: Dims, batch: number): number[] {
  return dims.map((d) => (d === 'N' ? batch : d));
}
