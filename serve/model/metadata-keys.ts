/**
 * The `metadata_props` keys a tinynet ONNX file carries. The exporter (export/) writes them and
 * serve/ + the web demo read them, so the names live in one place. Values are JSON strings.
 * Every key is optional on read: a plain tfjs model exported without dataset metadata still serves,
 * with labels "class_<i>" and the input size taken from the graph's input shape.
 */
export const METADATA_KEYS = {
  /** JSON array of { index, wnid?, name } in output order. */
  labels: 'tinynet.labels',
  /** JSON { height, width, channels, layout: "nhwc"|"nchw", dtype: "uint8"|"float32", resize } */
  input: 'tinynet.input',
  /** JSON [r, g, b] on the 0–255 scale the network was trained with. */
  mean: 'tinynet.mean',
  std: 'tinynet.std',
  /** JSON { tinynet_version, config_hash, date, val_metrics: { accuracy, top5, macroF1, ... } } */
  provenance: 'tinynet.provenance',
} as const;

/** How an arbitrary image is brought to the model's input size. */
export const RESIZE_RULES = ['shorter-side-center-crop', 'stretch'] as const;
export type ResizeRule = (typeof RESIZE_RULES)[number];
