import { onnx } from 'onnx-proto';
// Pure TypeScript shared with export/ and serve/ (no Node imports), so all three read one contract.
import { decodeMetadata, type TinynetMetadata } from '../../core/onnx-metadata.js';
import { declaredResizeRule, RESIZE_RULES, type ResizeRule } from '../../core/image/resize-rule.js';
import { DemoError } from './errors.js';

/**
 * What the page needs to know to feed the model and name its answers, read from the ONNX file's
 * metadata_props (core/onnx-metadata.ts, written by export/) the same way serve/model/model-info.ts
 * reads them, with the same fallbacks (size from the graph, labels "class_<i>", softmax over logits
 * when there is no probabilities output), so the page and the server agree.
 */
export interface ModelContract {
  inputName: string;
  /** The output the page reads: probabilities, or logits when the model has no softmax. */
  outputName: string;
  outputIsLogits: boolean;
  height: number;
  width: number;
  resize: ResizeRule;
  labels: string[];
  /** The decoded tinynet metadata, shown in the page's "model details". */
  metadata: TinynetMetadata;
}

/** Parse the model bytes into the input contract; a model the page cannot feed is refused clearly. */
export function readModelContract(bytes: Uint8Array): ModelContract {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new DemoError(
      'web_demo.model_invalid',
      `The model file is not a valid ONNX model (${err instanceof Error ? err.message : String(err)}).`,
      'Check the model URL: it should point at the model.onnx written by `tinynet export`.',
    );
  }
  const props: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) {
    if (entry.key) props[entry.key] = entry.value ?? '';
  }
  let meta: TinynetMetadata;
  try {
    meta = decodeMetadata(props);
  } catch (err) {
    throw new DemoError('web_demo.model_metadata', `The model's ${err instanceof Error ? err.message : String(err)}.`, 'Re-export it with `tinynet export`.');
  }
  const graph = model.graph;
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  const outputs = (graph?.output ?? []).map((o) => ({ name: o.name ?? '', dims: dimsOf(o.type?.tensorType?.shape?.dim) }));
  if (inputs.length !== 1 || outputs.length === 0) {
    throw new DemoError(
      'web_demo.model_invalid',
      `The model has ${inputs.length} inputs and ${outputs.length} outputs; the demo needs one image input.`,
      'Export the model with `tinynet export`.',
    );
  }
  const input = inputs[0];
  const tensorType = input.type?.tensorType;
  if (tensorType?.elemType !== onnx.TensorProto.DataType.UINT8) {
    throw new DemoError(
      'web_demo.model_contract',
      'The model does not take uint8 pixels; the demo feeds raw RGB bytes.',
      'Export with `--input uint8-nhwc` (the default).',
    );
  }
  const dims = dimsOf(tensorType.shape?.dim);
  const declared = meta.input;
  if ((declared?.layout ?? 'NHWC').toUpperCase() !== 'NHWC' || dims.length !== 4 || (dims[3] !== null && dims[3] !== 3)) {
    throw new DemoError('web_demo.model_contract', 'The model input is not [N,H,W,3] (NHWC RGB).', 'Export with `--input uint8-nhwc` (the default).');
  }
  const height = declared?.height ?? dims[1];
  const width = declared?.width ?? dims[2];
  if (!height || !width) {
    throw new DemoError(
      'web_demo.model_metadata',
      'The model\'s input size is neither fixed in the graph nor given in "tinynet.input".',
      'Re-export it with `tinynet export`.',
    );
  }
  const resize = declaredResizeRule(declared?.resize);
  if (!resize) {
    throw new DemoError(
      'web_demo.model_metadata',
      `The model resizes images by "${declared?.resize}", a rule this page does not know (${RESIZE_RULES.join(', ')}).`,
      'Re-export it with this version of `tinynet export`.',
    );
  }

  const byName = (n: string | undefined) => (n ? (outputs.find((o) => o.name === n) ?? null) : null);
  const logits = byName(meta.outputs?.logits) ?? byName('logits');
  const probs = byName(meta.outputs?.probabilities) ?? byName('probabilities');
  const scores = probs ?? logits ?? outputs[0];
  const labels = (meta.classes ?? []).map((k, i) => k.name ?? k.id ?? `class_${i}`);
  return { inputName: input.name ?? 'image', outputName: scores.name, outputIsLogits: !probs, height, width, resize, labels, metadata: meta };
}

function dimsOf(dims: Array<{ dimValue?: unknown }> | null | undefined): Array<number | null> {
  return (dims ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null));
}

/** Labels for n classes: the model's own, or "class_<i>" like the server when it has none. */
export function labelsFor(contract: ModelContract, n: number): string[] {
  if (contract.labels.length === n) return contract.labels;
  return Array.from({ length: n }, (_, i) => `class_${i}`);
}
