import type * as tf from '@tensorflow/tfjs';

export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
}

export interface ModelSummary {
  layers: LayerRow[];
  totalParams: number;
  trainableParams: number;
  /** BatchNorm moving mean/variance: state, not learned (PyTorch counts them as buffers, not parameters). */
  nonTrainableParams: number;
}

const size = (w: tf.LayerVariable) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1);

function shapeText(shape: tf.Shape | tf.Shape[]): string {
  const one = (s: tf.Shape) => `[${s.map((d) => (d == null ? 'N' : d)).join(', ')}]`;
  return Array.isArray(shape[0]) ? (shape as tf.Shape[]).map(one).join(' ') : one(shape as tf.Shape);
}

export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((l) => ({
    name: l.name,
    type: l.getClassName(),
    outputShape: shapeText(l.outputShape),
    params: l.countParams(),
  }));
  const trainableParams = model.trainableWeights.reduce((n, w) => n + size(w), 0);
  const nonTrainableParams = model.nonTrainableWeights.reduce((n, w) => n + size(w), 0);
  return { layers, totalParams: trainableParams + nonTrainableParams, trainableParams, nonTrainableParams };
}

const group = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** A fixed-width table like Keras' model.summary(), plus the totals the course report's M1 asks for. */
export function formatSummary(s: ModelSummary): string {
  const head: LayerRow = { name: 'layer', type: 'type', outputShape: 'output shape', params: 0 };
  const w = [
    Math.max(head.name.length, ...s.layers.map((r) => r.name.length)),
    Math.max(head.type.length, ...s.layers.map((r) => r.type.length)),
    Math.max(head.outputShape.length, ...s.layers.map((r) => r.outputShape.length)),
  ];
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0])}  ${b.padEnd(w[1])}  ${c.padEnd(w[2])}  ${d.padStart(10)}`;
  const rule = '-'.repeat(w[0] + w[1] + w[2] + 16);
  return [
    line('layer', 'type', 'output shape', 'params'),
    rule,
    ...s.layers.map((r) => line(r.name, r.type, r.outputShape, group(r.params))),
    rule,
    `total parameters:         ${group(s.totalParams)}`,
    `trainable parameters:     ${group(s.trainableParams)}`,
    `non-trainable (BN stats): ${group(s.nonTrainableParams)}`,
  ].join('\n');
}
