/**
 * A small mutable graph IR the converters write and the passes rewrite; serialized to an ONNX
 * ModelProto only at the end (serialize.ts). Plain objects so passes stay simple to read.
 */

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string };

export interface IrNode {
  op: string;
  /** Operator set domain; absent = the standard ONNX domain. */
  domain?: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

/** float16 values are held as their IEEE 754 half-precision bit patterns (Uint16Array). */
export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8';

export interface IrTensor {
  dtype: ElemType;
  dims: number[];
  data: Float32Array | BigInt64Array | Uint8Array | Int8Array | Int32Array | Uint16Array;
}

/** A graph input or output: its element type and dims (a string is a symbolic dim, e.g. the batch). */
export interface IrValueInfo {
  name: string;
  dtype: ElemType;
  dims: Array<number | string>;
  /** The shape is left out of the file (rank unknown), e.g. for intermediate values read back for calibration. */
  shapeUnknown?: boolean;
}

export interface IrGraph {
  name: string;
  nodes: IrNode[];
  initializers: Map<string, IrTensor>;
  inputs: IrValueInfo[];
  outputs: IrValueInfo[];
}

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  ints: (value: number[]): Attr => ({ kind: 'ints', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  floats: (value: number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
};

/** Which node produces each value name. */
export function producers(graph: IrGraph): Map<string, IrNode> {
  const map = new Map<string, IrNode>();
  for (const node of graph.nodes) for (const out of node.outputs) map.set(out, node);
  return map;
}

/** How many times each value name is read (node inputs and graph outputs). */
export function useCounts(graph: IrGraph): Map<string, number> {
  const counts = new Map<string, number>();
  const bump = (n: string) => counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const node of graph.nodes) for (const i of node.inputs) if (i) bump(i);
  for (const o of graph.outputs) bump(o.name);
  return counts;
}

/** Make every reader of `from` read `to` instead. */
export function replaceUses(graph: IrGraph, from: string, to: string): void {
  for (const node of graph.nodes) node.inputs = node.inputs.map((i) => (i === from ? to : i));
}

/** Rename a value everywhere: its producer, its readers and the graph outputs. */
export function renameValue(graph: IrGraph, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.outputs = node.outputs.map((o) => (o === from ? to : o));
    node.inputs = node.inputs.map((i) => (i === from ? to : i));
  }
  for (const o of graph.outputs) if (o.name === from) o.name = to;
}

export function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
