/** IrGraph → ONNX ModelProto bytes (opset 17, IR version 8). */
import { onnx, DataType, AttrType, encodeModel, type INodeProto, type ITensorProto, type IValueInfoProto, type IAttributeProto } from './proto.js';
import type { Attr, ElemType, IrGraph, IrTensor, IrValueInfo } from './ir.js';

export const OPSET = 17;
export const IR_VERSION = 8;

const ELEM: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
};

function tensorProto(name: string, t: IrTensor): ITensorProto {
  // raw_data is little-endian, which is what typed arrays hold on every platform Node runs on.
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return { name, dims: t.dims, dataType: ELEM[t.dtype], rawData: bytes };
}

function attributeProto(name: string, a: Attr): IAttributeProto {
  switch (a.kind) {
    case 'int':
      return { name, type: AttrType.INT, i: a.value };
    case 'ints':
      return { name, type: AttrType.INTS, ints: a.value };
    case 'float':
      return { name, type: AttrType.FLOAT, f: a.value };
    case 'floats':
      return { name, type: AttrType.FLOATS, floats: a.value };
    case 'string':
      return { name, type: AttrType.STRING, s: new TextEncoder().encode(a.value) };
  }
}

function valueInfo(v: IrValueInfo): IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ELEM[v.dtype],
        ...(v.shapeUnknown ? {} : { shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }),
      },
    },
  };
}

export interface ModelInfo {
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata: Record<string, string>;
}

/** Non-standard domains the graph's nodes use (onnxruntime's com.microsoft contrib ops are version 1). */
function usedDomains(graph: IrGraph): string[] {
  return [...new Set(graph.nodes.map((n) => n.domain).filter((d): d is string => !!d))].sort();
}

export function serializeModel(graph: IrGraph, info: ModelInfo): Uint8Array {
  const nodes: INodeProto[] = graph.nodes.map((n) => ({
    name: n.name,
    opType: n.op,
    ...(n.domain ? { domain: n.domain } : {}),
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs).map(([k, v]) => attributeProto(k, v)),
  }));
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }, ...usedDomains(graph).map((domain) => ({ domain, version: 1 }))],
    producerName: info.producerName,
    producerVersion: info.producerVersion,
    docString: info.docString ?? '',
    graph: {
      name: graph.name,
      node: nodes,
      initializer: [...graph.initializers].map(([name, t]) => tensorProto(name, t)),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
    metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
  });
}

export { onnx };
