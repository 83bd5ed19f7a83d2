/**
 * The model's forward pass as an ONNX graph in training or evaluation form, built by walking the
 * tfjs model the trainer built (one model definition for every engine). The image comes in as the
 * trainer's normalized float32 NHWC batch and is transposed to NCHW once.
 */
import type * as tf from '@tensorflow/tfjs';
import { attr } from '../../onnx/ir.js';
import { shortWeightName, walkModel, type WalkRecord } from '../../onnx/keras-walk.js';
import { TrainGraph } from './graph.js';
import { findLayer, type DropoutSite, type GraphMode, type LayerContext, type StateUpdate, type WeightBinding } from './layers/registry.js';
import './layers/index.js';

export const IMAGE_INPUT = 'image';

export interface ForwardGraph {
  tg: TrainGraph;
  logits: string;
  /** Every weight the graph reads, in the model's weight order. */
  weights: WeightBinding[];
  /** Running statistics the step moves (train mode). */
  updates: StateUpdate[];
  /** Dropout2d masks in the order the layers run (the order tfjs draws their seeds). */
  dropouts: DropoutSite[];
  numClasses: number;
}

function permuteShape(shape: number[], perm: number[] | null): number[] {
  return perm ? perm.map((p) => shape[p]) : shape.slice();
}

export function buildForward(model: tf.LayersModel, mode: GraphMode): ForwardGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `the onnxruntime engine trains single-input single-output models; ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  const [, h, w, c] = model.inputs[0].shape.map((d) => (d == null ? -1 : Number(d)));
  const tg = new TrainGraph(`tinynet_${mode}`);
  tg.g.addInput({ name: IMAGE_INPUT, dtype: 'float32', dims: ['N', h, w, c] });
  tg.setShape(IMAGE_INPUT, ['N', h, w, c]);
  const x = tg.op('Transpose', [IMAGE_INPUT], { perm: attr.ints([0, 3, 1, 2]) }, ['N', c, h, w], 'image/to_nchw');

  const bindings = new Map<tf.LayerVariable, WeightBinding>();
  const updates: StateUpdate[] = [];
  const dropouts: DropoutSite[] = [];
  const records: Array<WalkRecord<string>> = [];
  const [logits] = walkModel<string>(
    model,
    [x],
    ({ layer, path }, inputs) => {
      const byShort = new Map(layer.weights.map((v) => [shortWeightName(v.originalName ?? v.name), v]));
      const variable = (short: string): tf.LayerVariable => {
        const v = byShort.get(short);
        if (!v) throw new Error(`layer "${path}" has no weight "${short}" (has: ${[...byShort.keys()].join(', ') || 'none'})`);
        return v;
      };
      const ctx: LayerContext = {
        tg,
        mode,
        layer,
        className: layer.getClassName(),
        config: layer.getConfig(),
        inputs,
        scope: path,
        hasWeight: (short) => byShort.has(short),
        weight(short, perm) {
          const v = variable(short);
          let b = bindings.get(v);
          if (!b) {
            const kerasShape = v.shape.map(Number);
            const onnxShape = permuteShape(kerasShape, perm ?? null);
            b = { name: v.originalName, input: v.originalName, kerasShape, onnxShape, perm: perm ?? null, trainable: v.trainable };
            tg.g.addInput({ name: b.input, dtype: 'float32', dims: onnxShape });
            tg.setShape(b.input, onnxShape);
            bindings.set(v, b);
          }
          return b.input;
        },
        updates(short, output) {
          updates.push({ weight: variable(short).originalName, output });
        },
        dropoutMask(channels, rate) {
          const input = tg.g.addInput({ name: `${path}/mask`, dtype: 'float32', dims: ['N', channels, 1, 1] });
          tg.setShape(input, ['N', channels, 1, 1]);
          dropouts.push({ layer: path, input, channels, rate });
          return input;
        },
      };
      return findLayer(ctx.className, path)(ctx);
    },
    records,
  );
  const weights = model.weights.map((v) => bindings.get(v)).filter((b): b is WeightBinding => b !== undefined);
  const numClasses = Number(tg.shape(logits)[1]);
  return { tg, logits, weights, updates, dropouts, numClasses };
}
