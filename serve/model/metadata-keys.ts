/**
 * The metadata contract is defined once, in core/onnx-metadata.ts (written by export/, read by
 * serve/ and the web demo). This file only re-exports it for code that imported it from here.
 */
export { METADATA_KEYS, RESIZE_RULE, decodeMetadata, encodeMetadata } from '../../core/onnx-metadata.js';
export type { TinynetMetadata, ClassEntry, InputContract, Normalization, OutputsInfo, Provenance } from '../../core/onnx-metadata.js';
export type { ResizeRuleName as ResizeRule } from '../../core/image/resize-rule.js';
