/**
 * Builds a tiny ONNX image classifier with the tinynet contract, for serve/evaluate tests and the
 * serve benchmark: uint8 [N,H,W,3] → Cast → (x - mean) / std → Transpose(NCHW) → Conv3×3 → Relu →
 * GlobalAveragePool → Flatten → Gemm → logits; Softmax → probabilities. Seeded random weights,
 * the same metadata keys the exporter writes. `inputDtype: 'float32'` drops the Cast and the
 * normalisation (the caller feeds normalised floats), like a plain float-input model.
 */
import onnxProto from 'onnx-proto';
import { Rng } from '../../core/rng.js';
import { encodeMetadata } from '../../core/onnx-metadata.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export interface TinyClassifierOptions {
  size?: number;
  numClasses?: number;
  /** Conv output channels; bigger = slower, for benchmarks and the event-loop test. */
  width?: number;
  /** Extra 3×3 conv layers after the first (more compute per image). */
  depth?: number;
  inputDtype?: 'uint8' | 'float32';
  seed?: number;
  mean?: number[];
  std?: number[];
  withMetadata?: boolean;
  /** The resize rule the metadata declares (default center_crop). */
  resize?: string;
  valMetrics?: Record<string, number>;
}

export function tinyClassifierLabels(numClasses: number): Array<{ index: number; wnid: string; name: string }> {
  return Array.from({ length: numClasses }, (_, i) => ({ index: i, wnid: `n${String(1000000 + i).padStart(8, '0')}`, name: `class number ${i}` }));
}

export function buildTinyClassifier(opts: TinyClassifierOptions = {}): Uint8Array {
  const size = opts.size ?? 64;
  const k = opts.numClasses ?? 10;
  const width = opts.width ?? 8;
  const depth = opts.depth ?? 0;
  const inputDtype = opts.inputDtype ?? 'uint8';
  const mean = opts.mean ?? [120, 115, 100];
  const std = opts.std ?? [60, 58, 62];
  const rng = new Rng(opts.seed ?? 1);
  const randn = (n: number, scale: number) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

  const inits: ReturnType<typeof onnx.TensorProto.create>[] = [];
  const f32 = (name: string, dims: number[], data: number[]) => inits.push(onnx.TensorProto.create({ name, dims, dataType: DT.FLOAT, floatData: data }));
  const nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  const node = (opType: string, inputs: string[], outputs: string[], attrs: Array<Record<string, unknown>> = []) =>
    nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: `${opType}_${nodes.length}`, attribute: attrs }));
  const ints = (name: string, v: number[]) => ({ name, type: AT.INTS, ints: v });
  const int = (name: string, v: number) => ({ name, type: AT.INT, i: v });

  let x = 'image';
  if (inputDtype === 'uint8') {
    node('Cast', [x], ['x_f'], [int('to', DT.FLOAT)]);
    f32('mean', [1, 1, 1, 3], mean);
    f32(
      'inv_std',
      [1, 1, 1, 3],
      std.map((s) => 1 / s),
    );
    node('Sub', ['x_f', 'mean'], ['x_c']);
    node('Mul', ['x_c', 'inv_std'], ['x_n']);
    x = 'x_n';
  }
  node('Transpose', [x], ['x_nchw'], [ints('perm', [0, 3, 1, 2])]);
  let cin = 3;
  let h = 'x_nchw';
  for (let layer = 0; layer <= depth; layer++) {
    f32(`conv${layer}_w`, [width, cin, 3, 3], randn(width * cin * 9, Math.sqrt(2 / (cin * 9))));
    f32(`conv${layer}_b`, [width], randn(width, 0.1));
    node('Conv', [h, `conv${layer}_w`, `conv${layer}_b`], [`conv${layer}`], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]);
    node('Relu', [`conv${layer}`], [`relu${layer}`]);
    h = `relu${layer}`;
    cin = width;
  }
  node('GlobalAveragePool', [h], ['gap']);
  node('Flatten', ['gap'], ['flat'], [int('axis', 1)]);
  f32('fc_w', [k, width], randn(k * width, 2 / Math.sqrt(width)));
  f32('fc_b', [k], randn(k, 0.1));
  node('Gemm', ['flat', 'fc_w', 'fc_b'], ['logits'], [int('transB', 1)]);
  node('Softmax', ['logits'], ['probabilities'], [int('axis', 1)]);

  const valueInfo = (name: string, elemType: number, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    });

  // The same keys and value shapes the exporter writes (core/onnx-metadata.ts); mean/std in 0–1 units.
  const metadataProps =
    opts.withMetadata === false
      ? []
      : Object.entries(
          encodeMetadata({
            classes: tinyClassifierLabels(k).map((c) => ({ index: c.index, id: c.wnid, wnid: c.wnid, name: c.name })),
            input: {
              name: 'image',
              dtype: inputDtype,
              layout: 'NHWC',
              height: size,
              width: size,
              channels: 3,
              color: 'RGB',
              resize: opts.resize ?? 'center_crop',
              batch: 'dynamic',
              normalized_in_graph: inputDtype === 'uint8',
            },
            normalization: { mean: mean.map((m) => m / 255), std: std.map((s) => s / 255), pixel_scale: 1 / 255 },
            outputs: { logits: 'logits', probabilities: 'probabilities', names: ['logits', 'probabilities'] },
            provenance: {
              tinynet_version: 'test',
              exported_at: '2026-01-01T00:00:00Z',
              source: 'checkpoint',
              config_hash: 'fixture',
              metrics: opts.valMetrics ?? { 'val/accuracy': 0.5, 'val/top5': 0.9, 'val/f1': 0.45 },
            },
          }),
        ).map(([key, value]) => ({ key, value }));

  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'tinynet-test-fixture',
    producerVersion: '0',
    graph: {
      name: 'tiny_classifier',
      node: nodes,
      initializer: inits,
      input: [valueInfo('image', inputDtype === 'uint8' ? DT.UINT8 : DT.FLOAT, ['N', size, size, 3])],
      output: [valueInfo('logits', DT.FLOAT, ['N', k]), valueInfo('probabilities', DT.FLOAT, ['N', k])],
    },
    metadataProps,
  });
  return onnx.ModelProto.encode(model).finish();
}
