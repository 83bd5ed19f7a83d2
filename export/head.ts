/**
 * The graph inputs and the preprocessing in front of the model (input modes of `tinynet export`):
 * uint8-nhwc: raw RGB pixels, Cast + per-channel normalization inside the graph;
 * float32-nchw: pre-normalized NCHW (the conventional ONNX image input);
 * float32-nhwc: exactly the source model's own input(s).
 */
import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from '../onnx/builder.js';
import { attr } from '../onnx/ir.js';
import { value, type Shape, type TensorValue } from './layout.js';
import type { ClassEntry, InputContract, Normalization } from '../core/onnx-metadata.js';
import { DEFAULT_RESIZE_RULE, type ResizeRule } from '../core/image/resize-rule.js';
import { TinynetError } from '../core/errors.js';

export type InputMode = 'uint8-nhwc' | 'float32-nchw' | 'float32-nhwc';
export const INPUT_MODES: InputMode[] = ['uint8-nhwc', 'float32-nchw', 'float32-nhwc'];

/** What a dataset tells the exporter: labels, and the resize rule and normalization the model was trained with. */
export interface DatasetInfo {
  classes: ClassEntry[];
  /** The rule the dataset cache was made with (its meta.json), so serving resizes the same way; default center_crop. */
  resize?: ResizeRule;
  /** Needed for the uint8 input head (the normalization goes into the graph). */
  normalization?: Normalization;
}

export function dimsOf(shape: Shape, names: string[] = []): Array<number | string> {
  return shape.map((d, i) => (i === 0 ? 'N' : (d ?? names[i] ?? `d${i}`)));
}

/** A name usable as an ONNX graph input/output. */
export function ioName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export interface HeadResult {
  values: TensorValue[];
  contract?: InputContract;
}

/** Build the graph inputs and the preprocessing in front of the model. */
export function buildHead(g: GraphBuilder, model: tf.LayersModel, mode: InputMode, dataset: DatasetInfo | undefined): HeadResult {
  const shapes = model.inputs.map((s) => s.shape.map((d) => (d == null ? null : Number(d))) as Shape);
  if (mode === 'float32-nhwc') {
    const values = model.inputs.map((s, i) => {
      const name = g.addInput({ name: dataset ? 'image' : ioName(s.name.replace(/:\d+$/, '')) || `input_${i}`, dtype: 'float32', dims: dimsOf(shapes[i]) });
      return value(name, 'keras', shapes[i]);
    });
    return { values, contract: contract(values[0].name, 'float32', 'NHWC', shapes[0], false, dataset) };
  }
  if (model.inputs.length !== 1 || shapes[0].length !== 4) {
    throw new TinynetError(
      'export.bad_input_mode',
      `--input ${mode} needs a model with one image input [N,H,W,C]; this model's inputs are ${JSON.stringify(shapes)}`,
      'use --input float32-nhwc',
    );
  }
  const [, h, w, c] = shapes[0];
  if (mode === 'float32-nchw') {
    const name = g.addInput({ name: 'image', dtype: 'float32', dims: ['N', c ?? 'C', h ?? 'H', w ?? 'W'] });
    return { values: [value(name, 'cf', shapes[0])], contract: contract(name, 'float32', 'NCHW', shapes[0], false, dataset) };
  }
  // uint8-nhwc: raw RGB pixels in, Cast + per-channel affine (folded mean/std) inside the graph.
  const name = g.addInput({ name: 'image', dtype: 'uint8', dims: ['N', h ?? 'H', w ?? 'W', c ?? 'C'] });
  const x = g.op('Cast', [name], { to: attr.int(1) }, 'preprocess/Cast');
  if (!dataset) return { values: [value(x, 'keras', shapes[0])], contract: contract(name, 'uint8', 'NHWC', shapes[0], true, dataset) };
  if (!dataset.normalization) {
    throw new TinynetError(
      'export.no_normalization',
      'the uint8 input head needs the dataset mean/std, and this model came without dataset metadata',
      'use --input float32-nhwc or --input float32-nchw',
    );
  }
  const { mean, std, pixel_scale } = dataset.normalization;
  const channels = mean.length;
  const a = Array.from({ length: channels }, (_, i) => pixel_scale / std[i]);
  const b = Array.from({ length: channels }, (_, i) => -mean[i] / std[i]);
  const scaled = g.op('Mul', [x, g.constFloat('preprocess/scale', a, [channels])], {}, 'preprocess/Mul');
  const normalized = g.op('Add', [scaled, g.constFloat('preprocess/offset', b, [channels])], {}, 'preprocess/Add');
  return { values: [value(normalized, 'keras', shapes[0])], contract: contract(name, 'uint8', 'NHWC', shapes[0], true, dataset) };
}

function contract(
  name: string,
  dtype: 'uint8' | 'float32',
  layout: 'NHWC' | 'NCHW',
  shape: Shape,
  inGraph: boolean,
  dataset: DatasetInfo | undefined,
): InputContract {
  const [, h, w, c] = shape.length === 4 ? shape : [null, null, null, null];
  const resize: ResizeRule = dataset?.resize ?? DEFAULT_RESIZE_RULE;
  return { name, dtype, layout, height: h, width: w, channels: c, color: 'RGB', resize, batch: 'dynamic', normalized_in_graph: inGraph };
}
