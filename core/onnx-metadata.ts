/**
 * The keys tinynet writes into an ONNX model's `metadata_props`, and a parser for them.
 * Pure TypeScript with no imports, so serve/ (Node) and web-demo/ (browser bundle) read the same
 * contract the exporter writes. Every value is a JSON string; unknown keys are ignored by readers.
 *
 * | key                     | JSON value                                                              |
 * | ----------------------- | ----------------------------------------------------------------------- |
 * | tinynet.format          | "1" — version of this key set                                           |
 * | tinynet.classes         | [{ index, id, wnid?, name }] in output order                            |
 * | tinynet.input           | { name, dtype, layout, height, width, channels, color, resize, batch,   |
 * |                         |   normalized_in_graph }                                                 |
 * | tinynet.normalization   | { mean: [c], std: [c], pixel_scale } — model input = (pixel·pixel_scale |
 * |                         |   − mean) / std; already applied inside the graph when the input is      |
 * |                         |   uint8 (normalized_in_graph = true)                                     |
 * | tinynet.outputs         | { logits?: name, probabilities?: name, names: [all output names] }      |
 * | tinynet.provenance      | { tinynet_version, exported_at, source, source_file?, config_hash?,     |
 * |                         |   metrics?, epoch?, model? }                                             |
 * | tinynet.precision       | { precision: fp32 | fp16 | int8, weights?, activations?, calibration?,    |
 * |                         |   accuracy?: { split, images, float, model, top1_agreement },           |
 * |                         |   left_in_float? } — absent on a plain float export                     |
 */

export const METADATA_KEYS = {
  format: 'tinynet.format',
  classes: 'tinynet.classes',
  input: 'tinynet.input',
  normalization: 'tinynet.normalization',
  outputs: 'tinynet.outputs',
  provenance: 'tinynet.provenance',
  precision: 'tinynet.precision',
} as const;

export const METADATA_FORMAT = '1';

export interface ClassEntry {
  index: number;
  id: string;
  wnid?: string;
  name: string;
}

export interface InputContract {
  name: string;
  dtype: 'uint8' | 'float32';
  layout: 'NHWC' | 'NCHW';
  height: number | null;
  width: number | null;
  channels: number | null;
  color: 'RGB';
  /** How images are brought to the input size: center_crop or stretch (core/image/resize-rule.ts). */
  resize: string;
  /** 'dynamic': any batch size N. */
  batch: 'dynamic';
  /** True when Cast + mean/std normalization are inside the graph (uint8 input): feed raw pixels. */
  normalized_in_graph: boolean;
}

export interface Normalization {
  mean: number[];
  std: number[];
  /** Multiply raw 0–255 pixels by this before subtracting mean (1/255 when mean/std are in 0–1 units). */
  pixel_scale: number;
}

export interface OutputsInfo {
  logits?: string;
  probabilities?: string;
  names: string[];
}

export interface Provenance {
  tinynet_version: string;
  exported_at: string;
  source: 'checkpoint' | 'tfjs';
  source_file?: string;
  config_hash?: string;
  metrics?: Record<string, number>;
  epoch?: number;
  model?: Record<string, unknown>;
}

export type Precision = 'fp32' | 'fp16' | 'int8';

/** How a reduced-precision model was made from the float one, and what it cost on the test split. */
export interface PrecisionInfo {
  precision: Precision;
  /** e.g. "int8 per-channel symmetric" or "float16". */
  weights?: string;
  /** Activation element type of an int8 (QDQ) model. */
  activations?: 'uint8' | 'int8';
  calibration?: { method: string; images: number; split: string; percentile?: number; bins?: number };
  accuracy?: { split: string; images: number; float: number; model: number; top1_agreement: number };
  /** Ops the quantizer has no int8 form for, left in float: op type → count. */
  left_in_float?: Record<string, number>;
}

export interface TinynetMetadata {
  format?: string;
  classes?: ClassEntry[];
  input?: InputContract;
  normalization?: Normalization;
  outputs?: OutputsInfo;
  provenance?: Provenance;
  precision?: PrecisionInfo;
}

/** Encode for `metadata_props` (only keys whose value is present). */
export function encodeMetadata(meta: TinynetMetadata): Record<string, string> {
  const out: Record<string, string> = { [METADATA_KEYS.format]: meta.format ?? METADATA_FORMAT };
  for (const key of ['classes', 'input', 'normalization', 'outputs', 'provenance', 'precision'] as const) {
    if (meta[key] !== undefined) out[METADATA_KEYS[key]] = JSON.stringify(meta[key]);
  }
  return out;
}

/**
 * Decode `metadata_props` (as a key → value record, e.g. onnxruntime's session metadata or the
 * ModelProto's entries). A value that is not valid JSON throws an Error naming the key.
 */
export function decodeMetadata(props: Record<string, string>): TinynetMetadata {
  // The shapes are the ones encodeMetadata wrote; a field is undefined when its key is absent.
  const parse = <T>(key: string): T | undefined => {
    const raw = props[key];
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      throw new Error(`model metadata "${key}" is not valid JSON`);
    }
  };
  return {
    format: props[METADATA_KEYS.format],
    classes: parse(METADATA_KEYS.classes),
    input: parse(METADATA_KEYS.input),
    normalization: parse(METADATA_KEYS.normalization),
    outputs: parse(METADATA_KEYS.outputs),
    provenance: parse(METADATA_KEYS.provenance),
    precision: parse(METADATA_KEYS.precision),
  };
}
