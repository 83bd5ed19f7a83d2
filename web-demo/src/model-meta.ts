import { onnx } from 'onnx-proto';
// Pure constants / arithmetic shared with the server (no Node imports), so both sides agree.
import { METADATA_KEYS } from '../../serve/model/metadata-keys.js';
import type { ResizeRuleName } from '../../core/image/resize-rule.js';
import { DemoError } from './errors.js';

/**
 * What the page needs to know to feed the model and name its answers, read from the ONNX file's
 * metadata_props (written by export/) the same way serve/model/model-info.ts reads them, with the
 * same fallbacks (input size from the graph, labels "class_<i>") so page and server agree.
 */
export interface ModelContract {
  inputName: string;
  /** Output holding softmax probabilities [N, classes]. */
  outputName: string;
  height: number;
  width: number;
  resize: ResizeRuleName;
  labels: string[];
  /** Every metadata entry, shown in the page's "model details". */
  metadata: Record<string, string>;
}

const RESIZE_RULES: readonly ResizeRuleName[] = ['shorter-side-center-crop', 'stretch'];

/** Parse the model bytes into the input contract; a model the page cannot feed is refused clearly. */
export function readModelContract(bytes: Uint8Array): ModelContract {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new DemoError(
      'model-invalid',
      `The model file is not a valid ONNX model (${err instanceof Error ? err.message : String(err)}).`,
      'Check the model URL: it should point at the model.onnx written by `tinynet export`.',
    );
  }
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) {
    if (entry.key) metadata[entry.key] = entry.value ?? '';
  }
  const graph = model.graph;
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  const outputs = (graph?.output ?? []).map((o) => o.name ?? '');
  if (inputs.length !== 1 || outputs.length === 0) {
    throw new DemoError('model-invalid', `The model has ${inputs.length} inputs and ${outputs.length} outputs; the demo needs one image input.`, 'Export the model with `tinynet export`.');
  }
  const input = inputs[0];
  const tensorType = input.type?.tensorType;
  if (tensorType?.elemType !== onnx.TensorProto.DataType.UINT8) {
    throw new DemoError('model-contract', 'The model does not take uint8 pixels; the demo feeds raw RGB bytes.', 'Export with `export.input: uint8-nhwc` (the default).');
  }
  const dims = (tensorType.shape?.dim ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null));
  const declared = parseJson(metadata, METADATA_KEYS.input) as Partial<{ height: number; width: number; layout: string; resize: string }> | null;
  if ((declared?.layout ?? 'nhwc') !== 'nhwc' || dims[3] !== 3) {
    throw new DemoError('model-contract', 'The model input is not [N,H,W,3] (NHWC RGB).', 'Export with `export.input: uint8-nhwc` (the default).');
  }
  const height = declared?.height ?? dims[1];
  const width = declared?.width ?? dims[2];
  if (!height || !width) {
    throw new DemoError('model-metadata', `The model's input size is neither fixed in the graph nor given in "${METADATA_KEYS.input}".`, 'Re-export it with `tinynet export`.');
  }
  const resize = RESIZE_RULES.find((r) => r === declared?.resize) ?? 'shorter-side-center-crop';

  const outputName = outputs.includes('probabilities') ? 'probabilities' : outputs[0];
  const raw = parseJson(metadata, METADATA_KEYS.labels);
  const labels = Array.isArray(raw)
    ? raw.map((l: unknown, i: number) => {
        const o = (typeof l === 'string' ? { name: l } : l) as { name?: string; label?: string } | null;
        return o?.name ?? o?.label ?? `class_${i}`;
      })
    : null;
  return { inputName: input.name ?? 'image', outputName, height, width, resize, labels: labels ?? [], metadata };
}

function parseJson(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new DemoError('model-metadata', `The model's metadata "${key}" is not valid JSON.`, 'Re-export it with `tinynet export`.');
  }
}

/** Labels for n classes: the model's own, or "class_<i>" like the server when it has none. */
export function labelsFor(contract: ModelContract, n: number): string[] {
  if (contract.labels.length === n) return contract.labels;
  return Array.from({ length: n }, (_, i) => `class_${i}`);
}
