/**
 * The linear quantization arithmetic of ONNX QuantizeLinear / DequantizeLinear, and the scale and
 * zero point a [min, max] range maps to (onnxruntime's quantize_static rules): the range always
 * holds 0 so that 0 is exact (padding, ReLU), symmetric ranges map to a zero point of 0 with
 * int8 limited to ±127, and quantization rounds half to even, in float32, then saturates.
 */

export type QuantType = 'uint8' | 'int8';

export interface QuantParams {
  scale: number;
  zeroPoint: number;
  type: QuantType;
}

/** The integer range a type quantizes to; symmetric int8 drops -128 so that ±max are both exact. */
export function quantRange(type: QuantType, symmetric: boolean): [number, number] {
  if (type === 'uint8') return [0, 255];
  return symmetric ? [-127, 127] : [-128, 127];
}

/** Round to the nearest integer, ties to even (what ONNX QuantizeLinear specifies). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // Math.round sends every tie up; a tie that landed on an odd integer belongs one lower.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const FLOAT32_TINY = 1.1754943508222875e-38;

export function computeQuantParams(min: number, max: number, type: QuantType, symmetric: boolean): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new Error(`invalid quantization range [${min}, ${max}]`);
  let rmin = Math.min(min, 0);
  let rmax = Math.max(max, 0);
  const [qmin, qmax] = quantRange(type, symmetric);
  if (symmetric) {
    const absmax = Math.max(Math.abs(rmin), Math.abs(rmax));
    rmin = -absmax;
    rmax = absmax;
  }
  const scale = Math.fround((rmax - rmin) / (qmax - qmin));
  if (scale < FLOAT32_TINY) return { scale: 1, zeroPoint: symmetric && type === 'uint8' ? 128 : 0, type };
  const zeroPoint = symmetric ? roundHalfEven((qmin + qmax) / 2) : Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - rmin / scale)));
  return { scale, zeroPoint, type };
}

/** QuantizeLinear on one value: saturate(round(x / scale) + zero_point), the division in float32. */
export function quantizeValue(x: number, p: QuantParams): number {
  const [qmin, qmax] = quantRange(p.type, false);
  const q = roundHalfEven(Math.fround(Math.fround(x) / Math.fround(p.scale))) + p.zeroPoint;
  return Number.isNaN(q) ? p.zeroPoint : Math.min(qmax, Math.max(qmin, q));
}

export function dequantizeValue(q: number, p: QuantParams): number {
  return Math.fround((q - p.zeroPoint) * Math.fround(p.scale));
}

export function quantizeArray(data: ArrayLike<number>, p: QuantParams): Int8Array | Uint8Array {
  const out = p.type === 'uint8' ? new Uint8Array(data.length) : new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = quantizeValue(data[i], p);
  return out;
}
