/**
 * What a consumer needs to know about an ONNX classifier, read from the file itself: input name,
 * dtype, layout and size, output names, labels, resize rule, mean/std and training provenance.
 * onnxruntime does not expose `metadata_props`, so the ModelProto is decoded with onnx-proto.
 */
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { TinynetError } from '../../core/errors.js';
import { METADATA_KEYS, RESIZE_RULES, type ResizeRule } from './metadata-keys.js';

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
  /** 0–255 scale; used only when we feed a float model ourselves. */
  mean: number[] | null;
  std: number[] | null;
  provenance: Record<string, unknown> | null;
  metadata: Record<string, string>;
  producer: string;
}

export function readModelInfo(bytes: Uint8Array, file: string): ModelInfo {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new TinynetError('model.bad_onnx', `${file} is not an ONNX model: ${(err as Error).message}`, 'pass the model.onnx written by `tinynet export`');
  }
  const graph = model.graph;
  if (!graph) throw new TinynetError('model.bad_onnx', `${file} has no graph`);
  const metadata: Record<string, string> = {};
  for (const e of model.metadataProps ?? []) if (e.key) metadata[e.key] = e.value ?? '';

  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new TinynetError('model.contract', `${file} has ${inputs.length} inputs; a classifier takes exactly one image tensor`);
  }
  const input = inputs[0];
  const tensorType = input.type?.tensorType;
  const elem = tensorType?.elemType ?? 0;
  const inputDtype = elem === onnx.TensorProto.DataType.UINT8 ? 'uint8' : elem === onnx.TensorProto.DataType.FLOAT ? 'float32' : null;
  if (!inputDtype) {
    throw new TinynetError('model.contract', `${file}: input "${input.name}" has element type ${elem}; expected uint8 or float32`);
  }
  const dims = (tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null));
  if (dims.length !== 4) throw new TinynetError('model.contract', `${file}: input "${input.name}" has rank ${dims.length}; expected [N,H,W,C] or [N,C,H,W]`);

  const declared = parseJson(metadata[METADATA_KEYS.input], METADATA_KEYS.input, file) as Partial<{
    height: number; width: number; channels: number; layout: string; resize: string;
  }> | null;
  const layout: 'nhwc' | 'nchw' = declared?.layout === 'nchw' || declared?.layout === 'nhwc'
    ? declared.layout
    : dims[1] === 3 && dims[3] !== 3 ? 'nchw' : 'nhwc';
  const [h, w, c] = layout === 'nhwc' ? [dims[1], dims[2], dims[3]] : [dims[2], dims[3], dims[1]];
  const height = declared?.height ?? h;
  const width = declared?.width ?? w;
  const channels = declared?.channels ?? c ?? 3;
  if (!height || !width) throw new TinynetError('model.contract', `${file}: the input size is neither fixed in the graph nor given in metadata "${METADATA_KEYS.input}"`);
  if (channels !== 3) throw new TinynetError('model.contract', `${file}: input has ${channels} channels; only RGB (3) models are served`);
  const resize = (RESIZE_RULES as readonly string[]).includes(declared?.resize ?? '') ? (declared!.resize as ResizeRule) : 'shorter-side-center-crop';

  const outputs = (graph.output ?? []).map((o) => ({
    name: o.name ?? '',
    dims: (o.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null)),
  }));
  if (outputs.length === 0) throw new TinynetError('model.contract', `${file} has no outputs`);
  const logits = outputs.find((o) => o.name === 'logits') ?? null;
  const probs = outputs.find((o) => o.name === 'probabilities') ?? null;
  // A plain model without our names: its single output is read as probabilities if it is a softmax
  // (we cannot know; treat it as scores and apply softmax ourselves when no "probabilities" exists).
  const scoreOut = probs ?? logits ?? outputs[0];

  const rawLabels = parseJson(metadata[METADATA_KEYS.labels], METADATA_KEYS.labels, file);
  let labels: ClassLabel[] | null = null;
  if (Array.isArray(rawLabels)) {
    labels = rawLabels.map((l: unknown, i: number) => {
      const o = (typeof l === 'string' ? { name: l } : l) as { index?: number; wnid?: string; name?: string; label?: string };
      return { index: o.index ?? i, wnid: o.wnid ?? null, label: o.name ?? o.label ?? `class_${i}` };
    });
  }
  const numClasses = scoreOut.dims[1] ?? labels?.length ?? null;
  if (!numClasses) throw new TinynetError('model.contract', `${file}: the number of classes is neither fixed in the graph nor given by "${METADATA_KEYS.labels}"`);
  if (labels && labels.length !== numClasses) {
    throw new TinynetError('model.contract', `${file}: ${labels.length} labels in metadata but the output has ${numClasses} classes`);
  }
  labels ??= Array.from({ length: numClasses }, (_, i) => ({ index: i, wnid: null, label: `class_${i}` }));

  const mean = numberTriple(parseJson(metadata[METADATA_KEYS.mean], METADATA_KEYS.mean, file));
  const std = numberTriple(parseJson(metadata[METADATA_KEYS.std], METADATA_KEYS.std, file));
  const provenance = parseJson(metadata[METADATA_KEYS.provenance], METADATA_KEYS.provenance, file) as Record<string, unknown> | null;

  return {
    name: path.basename(file).replace(/\.onnx$/i, ''),
    inputName: input.name ?? 'image',
    inputDtype,
    layout,
    height,
    width,
    channels,
    numClasses,
    logitsName: logits?.name ?? null,
    probabilitiesName: probs?.name ?? (logits ? null : outputs[0].name),
    labels,
    resize,
    mean,
    std,
    provenance: provenance && typeof provenance === 'object' ? provenance : null,
    metadata,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
  };
}

function parseJson(text: string | undefined, key: string, file: string): unknown {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new TinynetError('model.bad_metadata', `${file}: metadata "${key}" is not valid JSON`, 're-export the model with `tinynet export`');
  }
}

function numberTriple(v: unknown): number[] | null {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? (v as number[]) : null;
}
