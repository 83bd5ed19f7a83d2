/**
 * Layout bookkeeping. Keras tensors are channels-last ([N, H, W, C]); the ONNX graph is NCHW-native.
 * Every converted value records which layout its ONNX data is in, and converters ask for the layout
 * they need: a Transpose is inserted only when the layout actually changes (and only once per value,
 * so the whole network normally has one at the input and one before a Flatten).
 */
import type { GraphBuilder } from '../onnx/builder.js';

/** 'keras': same axis order as the tfjs tensor. 'cf': channels moved to axis 1 (NHWC → NCHW). */
export type Layout = 'keras' | 'cf';

/** A Keras shape including the batch axis; null = unknown (the batch). */
export type Shape = Array<number | null>;

export interface TensorValue {
  /** ONNX value name. */
  name: string;
  layout: Layout;
  /** Keras (channels-last) shape, batch included. */
  shape: Shape;
}

/** Permutation taking a channels-last tensor of rank r to channels-first: [0, r-1, 1, …, r-2]. */
export function toCfPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** The inverse: channels-first back to channels-last: [0, 2, …, r-1, 1]. */
export function toKerasPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** Rank ≤ 2 tensors look the same in both layouts; normalize them to 'keras' so no Transpose appears. */
export function value(name: string, layout: Layout, shape: Shape): TensorValue {
  return { name, layout: shape.length <= 2 ? 'keras' : layout, shape };
}

/** The ONNX axis that holds Keras axis `axis` (negative allowed) of a value in `layout`. */
export function onnxAxis(kerasAxis: number, rank: number, layout: Layout): number {
  const a = kerasAxis < 0 ? kerasAxis + rank : kerasAxis;
  if (layout === 'keras' || rank <= 2) return a;
  return toCfPerm(rank).indexOf(a);
}

/** The dims of the ONNX data for a Keras shape in a layout (batch as given). */
export function onnxDims(shape: Shape, layout: Layout): Shape {
  if (layout === 'keras' || shape.length <= 2) return shape;
  return toCfPerm(shape.length).map((i) => shape[i]);
}

/** Caches layout changes per value name so a value is transposed at most once per direction. */
export class LayoutCache {
  private readonly cache = new Map<string, string>();

  constructor(private readonly g: GraphBuilder) {}

  to(t: TensorValue, layout: Layout): TensorValue {
    if (t.layout === layout || t.shape.length <= 2) return t;
    const key = `${t.name}→${layout}`;
    let name = this.cache.get(key);
    if (!name) {
      const rank = t.shape.length;
      const perm = layout === 'cf' ? toCfPerm(rank) : toKerasPerm(rank);
      name = this.g.transpose(t.name, perm, `${t.name}/to_${layout === 'cf' ? 'nchw' : 'nhwc'}`);
      this.cache.set(key, name);
      // The transposed value maps back to the original for free.
      this.cache.set(`${name}→${t.layout}`, t.name);
    }
    return { name, layout, shape: t.shape };
  }
}
