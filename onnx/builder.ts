import { attr, type Attr, type IrGraph, type IrNode, type IrTensor, type IrValueInfo } from './ir.js';

/**
 * Writes nodes and initializers into an IrGraph with unique names. Converters only see this and
 * the layout helpers; they never build protobuf objects.
 */
export class GraphBuilder {
  readonly graph: IrGraph;
  private readonly used = new Set<string>();

  constructor(name: string) {
    this.graph = { name, nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  }

  /** A name not used yet for any value or node, derived from `base`. */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserve an exact name (graph inputs/outputs); fails loudly when taken. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`graph name "${name}" is already in use`);
    this.used.add(name);
    return name;
  }

  addInput(info: IrValueInfo): string {
    this.reserve(info.name);
    this.graph.inputs.push(info);
    return info.name;
  }

  addOutput(info: IrValueInfo): void {
    this.graph.outputs.push(info);
  }

  /** Add a node; returns its output names (`outputs` names them, or a count gives generated names). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { name?: string; outputs?: string[] | number; domain?: string } = {}): string[] {
    const name = this.unique(opts.name ?? op);
    const outs = Array.isArray(opts.outputs)
      ? opts.outputs
      : Array.from({ length: opts.outputs ?? 1 }, (_, i) => this.unique(i === 0 ? `${name}:out` : `${name}:out${i}`));
    const node: IrNode = { op, name, inputs, outputs: outs, attrs, ...(opts.domain ? { domain: opts.domain } : {}) };
    this.graph.nodes.push(node);
    return outs;
  }

  /** One-output node. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name?: string): string {
    return this.node(op, inputs, attrs, { name })[0];
  }

  initializer(base: string, tensor: IrTensor): string {
    const name = this.unique(base);
    this.graph.initializers.set(name, tensor);
    return name;
  }

  constFloat(base: string, data: ArrayLike<number>, dims: number[]): string {
    return this.initializer(base, { dtype: 'float32', dims, data: Float32Array.from(data) });
  }

  constInt64(base: string, values: number[]): string {
    return this.initializer(base, { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
  }

  /** A float scalar (rank 0) constant, e.g. for Clip bounds. */
  scalar(base: string, value: number): string {
    return this.initializer(base, { dtype: 'float32', dims: [], data: Float32Array.of(value) });
  }

  transpose(input: string, perm: number[], name = 'Transpose'): string {
    return this.op('Transpose', [input], { perm: attr.ints(perm) }, name);
  }
}
