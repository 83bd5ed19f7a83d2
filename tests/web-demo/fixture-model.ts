import onnxProto from 'onnx-proto';
import { Rng } from '../../core/rng.js';

const { onnx } = onnxProto;

/**
 * A tiny random-weight classifier with the same contract as an exported tinynet model: uint8
 * [N,size,size,3] in, normalization and NHWC→NCHW inside the graph, logits + probabilities out,
 * labels and input size in metadata_props. Small enough to build in milliseconds, yet every pixel
 * reaches the output (conv + global average pool), so preprocessing differences show up.
 */
export function buildFixtureModel(opts: { size?: number; classes?: number; seed?: number; metadata?: Record<string, string> } = {}): Uint8Array {
  const size = opts.size ?? 64;
  const classes = opts.classes ?? 10;
  const rng = new Rng(opts.seed ?? 1);
  const channels = 6;
  const F = onnx.TensorProto.DataType.FLOAT;

  const tensor = (name: string, dims: number[], values: number[]) =>
    onnx.TensorProto.create({ name, dims, dataType: F, floatData: values });
  const randn = (n: number, scale: number) => Array.from({ length: n }, () => rng.normal() * scale);
  const attrInts = (name: string, ints: number[]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
  const attrInt = (name: string, i: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const node = (opType: string, input: string[], output: string[], attribute: ReturnType<typeof attrInt>[] = []) =>
    onnx.NodeProto.create({ opType, input, output, attribute, name: output[0] });
  const valueInfo = (name: string, elemType: number, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({
        tensorType: onnx.TypeProto.Tensor.create({
          elemType,
          shape: onnx.TensorShapeProto.create({
            dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
          }),
        }),
      }),
    });

  const mean = [0.4802, 0.4481, 0.3975].map((m) => m * 255);
  const invStd = [0.277, 0.2691, 0.2821].map((s) => 1 / (s * 255));
  const graph = onnx.GraphProto.create({
    name: 'tinynet_fixture',
    node: [
      node('Cast', ['image'], ['image_f'], [attrInt('to', F)]),
      node('Sub', ['image_f', 'mean'], ['centered']),
      node('Mul', ['centered', 'inv_std'], ['normalized']),
      node('Transpose', ['normalized'], ['nchw'], [attrInts('perm', [0, 3, 1, 2])]),
      node('Conv', ['nchw', 'conv_w', 'conv_b'], ['conv'], [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1])]),
      node('Relu', ['conv'], ['relu']),
      node('GlobalAveragePool', ['relu'], ['pooled']),
      node('Flatten', ['pooled'], ['features'], [attrInt('axis', 1)]),
      node('Gemm', ['features', 'fc_w', 'fc_b'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], [attrInt('axis', 1)]),
    ],
    initializer: [
      tensor('mean', [3], mean),
      tensor('inv_std', [3], invStd),
      tensor('conv_w', [channels, 3, 3, 3], randn(channels * 27, 0.4)),
      tensor('conv_b', [channels], randn(channels, 0.1)),
      tensor('fc_w', [channels, classes], randn(channels * classes, 1.5)),
      tensor('fc_b', [classes], randn(classes, 0.5)),
    ],
    input: [valueInfo('image', onnx.TensorProto.DataType.UINT8, ['N', size, size, 3])],
    output: [valueInfo('logits', F, ['N', classes]), valueInfo('probabilities', F, ['N', classes])],
  });
  const labels = Array.from({ length: classes }, (_, i) => `fixture class ${i}`);
  const metadata: Record<string, string> = {
    'tinynet.labels': JSON.stringify(labels),
    'tinynet.input_size': String(size),
    'tinynet.resize': 'shorter-side-center-crop',
    ...opts.metadata,
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tinynet-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
