/**
 * What a consumer needs to know about an ONNX classifier, read from the file itself: input name,
 * dtype, layout and size, output names, labels, resize rule, normalisation and training provenance
 * (the `metadata_props` contract of core/onnx-metadata.ts). onnxruntime-node does not expose
 * `metadata_props`, so the ModelProto is decoded with onnx-proto. Every key is optional: a plain
 * model without tinynet metadata serves with labels "class_<i>" and the size from its input shape.
 */
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { TinynetError } from '../../core/errors.js';
import { decodeMetadata, type TinynetMetadata, type Precision, type Provenance } from '../../core/onnx-metadata.js';
import { declaredResizeRule, RESIZE_RULES, type ResizeRule } from '../../core/image/resize-rule.js';

const { onnx } = onnxProto;

export interface ClassLabel {
  index: number;
  wnid: string | null;
  label: string;
}

export interface ModelInfo {
  /** File name without extension; the KServe model name. */
  name: string;
  inputName: string;
  inputDtype: 'uint8' | 'float32';
  layout: 'nhwc' | 'nchw';
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  logitsName: string | null;
  probabilitiesName: string | null;
  labels: ClassLabel[];
  resize: ResizeRule;
  /**
   * How to turn 0–255 pixels into a float model's input: (pixel · pixelScale − mean) / std.
   * Null for a uint8 model (normalisation is inside its graph) or a float model without metadata
   * (then pixel / 255 is fed).
   */
  normalization: { mean: number[]; std: number[]; pixelScale: number } | null;
  provenance: Partial<Provenance> | null;
  /** fp32, or the reduced precision a `tinynet export --quantize int8 / --precision fp16` variant records. */
  precision: Precision;
  metadata: TinynetMetadata;
  producer: string;
}

const dimsOf = (dims: Array<{ dimValue?: unknown }> | null | undefined): Array<number | null> =>
  (dims ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null));

export function readModelInfo(bytes: Uint8Array, file: string): ModelInfo {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new TinynetError('model.bad_onnx', `${file} is not an ONNX model: ${(err as Error).message}`, 'pass the model.onnx written by `tinynet export`');
  }
  const graph = model.graph;
  if (!graph) throw new TinynetError('model.bad_onnx', `${file} has no graph`, 'pass the model.onnx written by `tinynet export`');
  const props: Record<string, string> = {};
  for (const e of model.metadataProps ?? []) if (e.key) props[e.key] = e.value ?? '';
  let meta: TinynetMetadata;
  try {
    meta = decodeMetadata(props);
  } catch (err) {
    throw new TinynetError('model.bad_metadata', `${file}: ${(err as Error).message}`, 're-export the model with `tinynet export`');
  }

  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new TinynetError('model.contract', `${file} has ${inputs.length} inputs; a classifier takes exactly one image tensor`);
  }
  const input = inputs[0];
  const elem = input.type?.tensorType?.elemType ?? 0;
  const inputDtype = elem === onnx.TensorProto.DataType.UINT8 ? 'uint8' : elem === onnx.TensorProto.DataType.FLOAT ? 'float32' : null;
  if (!inputDtype) {
    throw new TinynetError('model.contract', `${file}: input "${input.name}" has element type ${elem}; expected uint8 or float32`);
  }
  const dims = dimsOf(input.type?.tensorType?.shape?.dim);
  if (dims.length !== 4) throw new TinynetError('model.contract', `${file}: input "${input.name}" has rank ${dims.length}; expected [N,H,W,C] or [N,C,H,W]`);

  const declared = meta.input;
  const declaredLayout = declared?.layout?.toLowerCase();
  const layout: 'nhwc' | 'nchw' = declaredLayout === 'nchw' || declaredLayout === 'nhwc' ? declaredLayout : dims[1] === 3 && dims[3] !== 3 ? 'nchw' : 'nhwc';
  const [h, w, c] = layout === 'nhwc' ? [dims[1], dims[2], dims[3]] : [dims[2], dims[3], dims[1]];
  const height = declared?.height ?? h;
  const width = declared?.width ?? w;
  const channels = declared?.channels ?? c ?? 3;
  if (!height || !width)
    throw new TinynetError('model.contract', `${file}: the input size is neither fixed in the graph nor given in metadata "tinynet.input"`);
  if (channels !== 3) throw new TinynetError('model.contract', `${file}: input has ${channels} channels; only RGB (3) models are served`);
  const resize = declaredResizeRule(declared?.resize);
  if (!resize) {
    throw new TinynetError(
      'model.contract',
      `${file} declares resize rule "${declared?.resize}"; this server knows ${RESIZE_RULES.join(', ')}`,
      're-export the model with this tinynet',
    );
  }

  const outputs = (graph.output ?? []).map((o) => ({ name: o.name ?? '', dims: dimsOf(o.type?.tensorType?.shape?.dim) }));
  if (outputs.length === 0) throw new TinynetError('model.contract', `${file} has no outputs`);
  const byName = (n: string | undefined) => (n ? (outputs.find((o) => o.name === n) ?? null) : null);
  const logits = byName(meta.outputs?.logits) ?? byName('logits');
  const probs = byName(meta.outputs?.probabilities) ?? byName('probabilities');
  // A plain model without our names: its first output is taken as logits (softmax applied here).
  const scores = probs ?? logits ?? outputs[0];

  const numClasses = scores.dims[scores.dims.length - 1] ?? meta.classes?.length ?? null;
  if (!numClasses) throw new TinynetError('model.contract', `${file}: the number of classes is neither fixed in the graph nor given by "tinynet.classes"`);
  if (meta.classes && meta.classes.length !== numClasses) {
    throw new TinynetError('model.contract', `${file}: ${meta.classes.length} classes in metadata but the output has ${numClasses} columns`);
  }
  const labels: ClassLabel[] = meta.classes
    ? meta.classes.map((k, i) => ({ index: k.index ?? i, wnid: k.wnid ?? null, label: k.name ?? k.id ?? `class_${i}` }))
    : Array.from({ length: numClasses }, (_, i) => ({ index: i, wnid: null, label: `class_${i}` }));

  const norm = meta.normalization;
  const normalization =
    inputDtype === 'float32' && norm && Array.isArray(norm.mean) && Array.isArray(norm.std) && norm.mean.length === 3 && norm.std.length === 3
      ? { mean: norm.mean, std: norm.std, pixelScale: norm.pixel_scale ?? 1 / 255 }
      : null;

  return {
    name: path.basename(file).replace(/\.onnx$/i, ''),
    inputName: input.name ?? 'image',
    inputDtype,
    layout,
    height,
    width,
    channels,
    numClasses,
    logitsName: logits?.name ?? (probs ? null : outputs[0].name),
    probabilitiesName: probs?.name ?? null,
    labels,
    resize,
    normalization,
    provenance: meta.provenance ?? null,
    precision: meta.precision?.precision ?? 'fp32',
    metadata: meta,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
  };
}
