import { onnx } from 'onnx-proto';
import { DemoError } from './errors.js';

/**
 * What the page needs to know to feed the model and name its answers, read from the ONNX file's
 * metadata_props (written by export/). The server reads the same keys, so both preprocess alike.
 */
export interface ModelContract {
  inputName: string;
  /** Output holding softmax probabilities [N, classes]. */
  outputName: string;
  /** Square input side in pixels (64 for Tiny ImageNet). */
  size: number;
  /** How an image of any size becomes size×size; only the rule below exists today. */
  resize: 'shorter-side-center-crop';
  labels: string[];
  /** Every metadata entry, shown in the page's "model details". */
  metadata: Record<string, string>;
}

/** metadata_props keys, as defined by export/ (see h-export's STATUS.md). */
export const META_KEYS = {
  labels: 'tinynet.labels',
  inputSize: 'tinynet.input_size',
  resize: 'tinynet.resize',
} as const;

const KNOWN_RESIZE = new Set(['shorter-side-center-crop', 'shorter_side_center_crop', 'resize_shorter_center_crop']);

/** Parse the model bytes' metadata into the input contract; a model without it is refused clearly. */
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
  const inputName = graph?.input?.[0]?.name;
  const outputs = (graph?.output ?? []).map((o) => o.name ?? '');
  if (!inputName || outputs.length === 0) {
    throw new DemoError('model-invalid', 'The model has no inputs or outputs.', 'Re-export it with `tinynet export`.');
  }
  const outputName = outputs.includes('probabilities') ? 'probabilities' : outputs[outputs.length - 1];

  const missing = [META_KEYS.labels, META_KEYS.inputSize].filter((k) => !(k in metadata));
  if (missing.length > 0) {
    throw new DemoError(
      'model-metadata',
      `The model lacks the metadata the demo needs (${missing.join(', ')}).`,
      'Export the model with `tinynet export`, which writes labels and the input size into the file.',
    );
  }
  const labels = parseLabels(metadata[META_KEYS.labels]);
  const size = Number(metadata[META_KEYS.inputSize]);
  if (!Number.isInteger(size) || size <= 0) {
    throw new DemoError('model-metadata', `The model's ${META_KEYS.inputSize} is not a positive integer: "${metadata[META_KEYS.inputSize]}".`);
  }
  const resizeRaw = metadata[META_KEYS.resize] ?? 'shorter-side-center-crop';
  if (!KNOWN_RESIZE.has(resizeRaw)) {
    throw new DemoError(
      'model-metadata',
      `The model asks for a resize rule this page does not know: "${resizeRaw}".`,
      'Use a newer version of the demo, or export with the default resize rule.',
    );
  }
  return { inputName, outputName, size, resize: 'shorter-side-center-crop', labels, metadata };
}

function parseLabels(raw: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DemoError('model-metadata', `The model's ${META_KEYS.labels} is not JSON.`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new DemoError('model-metadata', `The model's ${META_KEYS.labels} is not a non-empty list.`);
  }
  // Either plain names or objects carrying a name (e.g. {id, wnid, name}).
  return parsed.map((entry, i) => {
    if (typeof entry === 'string') return entry;
    if (entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string') {
      return (entry as { name: string }).name;
    }
    return `class ${i}`;
  });
}
