/**
 * float32 → float16 graph conversion in the manner of onnxconverter_common's convert_float_to_float16
 * with keep_io_types: float weights are stored as float16, ops compute in float16, the graph's
 * inputs and outputs keep their float32 types. Values are typed as the walk goes: an op computes
 * in float16 when any of its float inputs is float16 (its float32 inputs are cast to float16),
 * so an op reading only float32 values (Softmax on the float32 logits) stays float32, and ops
 * without float16 kernels in the ONNX schema are fed float32 through Casts.
 */
import { Float16Array } from '@petamoriken/float16';
import { attr, type IrGraph, type IrNode, type IrTensor } from '../../onnx/ir.js';
import { DataType } from '../../onnx/proto.js';

/** Ops of our exporter whose ONNX schema lists no float16 type (onnxconverter_common keeps them float32 too). */
export const FLOAT16_BLOCKED_OPS = new Set([
  'Range',
  'CumSum',
  'NonMaxSuppression',
  'TopK',
  'RoiAlign',
  'RandomUniformLike',
  'RandomNormalLike',
  'Multinomial',
]);

/** Largest finite float16; weights beyond it are clamped rather than turned into infinities. */
const FLOAT16_MAX = 65504;

export function toFloat16Bits(data: Float32Array): { bits: Uint16Array; clamped: number } {
  let clamped = 0;
  const src = data.map((v) => {
    if (v > FLOAT16_MAX || v < -FLOAT16_MAX) {
      clamped++;
      return Math.sign(v) * FLOAT16_MAX;
    }
    return v;
  });
  const half = new Float16Array(src);
  return { bits: new Uint16Array(half.buffer, half.byteOffset, half.length).slice(), clamped };
}

export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  return Float32Array.from(new Float16Array(bits.buffer, bits.byteOffset, bits.length));
}

export interface Float16Result {
  graph: IrGraph;
  /** Weights larger than the float16 range, clamped to ±65504. */
  clampedWeights: number;
  /** Nodes run in float32 behind Casts (FLOAT16_BLOCKED_OPS). */
  keptFloat32: Record<string, number>;
}

type FloatKind = 'float32' | 'float16';

export function convertToFloat16(src: IrGraph): Float16Result {
  const used = new Set<string>([...src.initializers.keys(), ...src.nodes.flatMap((n) => [n.name, ...n.inputs, ...n.outputs])]);
  const unique = (base: string) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  const kind = new Map<string, FloatKind>();
  for (const i of src.inputs) if (i.dtype === 'float32') kind.set(i.name, 'float32');

  // Float initializers read only by blocked ops stay float32; every other one becomes float16.
  const readers = new Map<string, IrNode[]>();
  for (const n of src.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const inits = new Map<string, IrTensor>();
  let clampedWeights = 0;
  for (const [name, t] of src.initializers) {
    const blockedOnly = (readers.get(name) ?? []).every((n) => FLOAT16_BLOCKED_OPS.has(n.op));
    if (t.dtype !== 'float32' || blockedOnly) {
      inits.set(name, t);
      if (t.dtype === 'float32') kind.set(name, 'float32');
      continue;
    }
    const { bits, clamped } = toFloat16Bits(t.data as Float32Array);
    clampedWeights += clamped;
    inits.set(name, { dtype: 'float16', dims: t.dims, data: bits });
    kind.set(name, 'float16');
  }

  const nodes: IrNode[] = [];
  const casts = new Map<string, string>();
  const cast = (value: string, to: FloatKind): string => {
    const key = `${value}->${to}`;
    const done = casts.get(key);
    if (done) return done;
    const out = unique(`${value}/to_${to}`);
    nodes.push({
      op: 'Cast',
      name: unique(`${value}/Cast_${to}`),
      inputs: [value],
      outputs: [out],
      attrs: { to: attr.int(to === 'float16' ? DataType.FLOAT16 : DataType.FLOAT) },
    });
    kind.set(out, to);
    casts.set(key, out);
    return out;
  };
  const graphOutputs = new Map(src.outputs.map((o) => [o.name, o]));
  const keptFloat32: Record<string, number> = {};

  for (const node of src.nodes) {
    let inputs = [...node.inputs];
    let outKind: FloatKind | null;
    const attrs = { ...node.attrs };
    if (node.op === 'Cast') {
      const to = attrs.to?.kind === 'int' ? attrs.to.value : -1;
      outKind = to === DataType.FLOAT || to === DataType.FLOAT16 ? 'float16' : null;
      if (outKind) attrs.to = attr.int(DataType.FLOAT16);
    } else if (FLOAT16_BLOCKED_OPS.has(node.op)) {
      inputs = inputs.map((i) => (kind.get(i) === 'float16' ? cast(i, 'float32') : i));
      outKind = 'float32';
      keptFloat32[node.op] = (keptFloat32[node.op] ?? 0) + 1;
    } else {
      const kinds = inputs.map((i) => kind.get(i));
      const anyHalf = kinds.includes('float16');
      if (anyHalf) inputs = inputs.map((i, k) => (kinds[k] === 'float32' ? cast(i, 'float16') : i));
      outKind = anyHalf ? 'float16' : kinds.includes('float32') ? 'float32' : null;
    }
    // A graph output keeps float32: the node writes a float16 value, a Cast writes the output.
    const outputs = node.outputs.map((o) => (outKind === 'float16' && graphOutputs.get(o)?.dtype === 'float32' ? unique(`${o}/float16`) : o));
    nodes.push({ ...node, inputs, outputs, attrs });
    node.outputs.forEach((o, k) => {
      if (!outKind) return;
      kind.set(outputs[k], outKind);
      if (outputs[k] !== o) {
        nodes.push({ op: 'Cast', name: unique(`${o}/Cast_float32`), inputs: [outputs[k]], outputs: [o], attrs: { to: attr.int(DataType.FLOAT) } });
        kind.set(o, 'float32');
      }
    });
  }
  return { graph: { ...src, nodes, initializers: inits }, clampedWeights, keptFloat32 };
}
