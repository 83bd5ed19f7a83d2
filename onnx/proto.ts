/**
 * The ONNX protobuf classes (onnx-proto ships them generated for protobufjs). One import site so the
 * rest of the exporter never touches the CommonJS/ESM seam.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
// Re-export the namespace's types under short names.
export type ModelProto = onnxProto.onnx.ModelProto;
export type IModelProto = onnxProto.onnx.IModelProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;

export const DataType = onnxProto.onnx.TensorProto.DataType;
export const AttrType = onnxProto.onnx.AttributeProto.AttributeType;

/** Long values from protobufjs (int64 fields) as plain numbers; our dims and attrs fit in 2^53. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}
export type GraphProto = onnxProto.onnx.GraphProto;
export type ValueInfoProto = onnxProto.onnx.ValueInfoProto;
