/** The metadata contract lives in core/ so serve/ and web-demo/ can read it without importing export/. */
export * from '../core/onnx-metadata.js';
