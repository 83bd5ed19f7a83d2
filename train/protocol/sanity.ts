import * as tf from '@tensorflow/tfjs';
import type { Config } from '../../core/config/index.js';
import type { Logger } from '../../core/log.js';
import type { EpochRecord, SanityCheck, SanityFile } from '../../core/protocol-artifacts.js';
import type { DataProvider } from '../data/provider.js';
import { disposeBatch } from '../../dataset/index.js';
import type { NamedGradient } from '../loop/engine.js';
import { createEngine } from '../loop/create-engine.js';
import { fit } from '../loop/trainer.js';
import { nanGuard, progressLogger, tensorBoard } from '../callbacks/index.js';
import { summarizeModel } from '../model/index.js';

export interface SanityOptions {
  config: Config;
  configHash: string;
  /** What meta.json promises for one image: [H, W, C]. */
  expectedInputShape: [number, number, number];
  /** The training pipeline as `tinynet train` sees it (augmented train batches). */
  data: DataProvider;
  /** `sanity.overfit_size` train images, not augmented; used as train and val of the overfit run. */
  overfitData: DataProvider;
  /** A fresh model with the run's seeded initialization (called twice: checks, then the overfit run). */
  buildModel: () => tf.LayersModel;
  /** TensorBoard folder of the overfit run. */
  tensorboardDir: string;
  command: string;
  log?: Logger;
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** The config the overfit run trains with: no regularization, no augmentation, a constant LR, the whole small subset every epoch. */
export function overfitConfig(config: Config): Config {
  const c = structuredClone(config);
  c.train.epochs = config.sanity.overfit_epochs;
  c.train.lr = config.sanity.overfit_lr;
  c.train.weight_decay = 0;
  c.train.label_smoothing = 0;
  c.train.max_steps_per_epoch = 0;
  c.train.schedule = { ...c.train.schedule, name: 'constant' };
  c.train.early_stopping = { ...c.train.early_stopping, enabled: false };
  c.train.monitor = 'val/loss';
  c.augment.enabled = false;
  return c;
}

/** Every trainable tensor must get a finite, non-zero gradient; returns the offenders by name. */
export function inspectGradients(grads: NamedGradient[]) {
  const rows = grads.map((p) => {
    const values = p.data;
    let maxAbs = 0;
    let finite = true;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (!Number.isFinite(v)) finite = false;
      else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    }
    return { name: p.name, shape: p.shape, finite, maxAbs };
  });
  return {
    rows,
    nonFinite: rows.filter((r) => !r.finite).map((r) => r.name),
    zero: rows.filter((r) => r.finite && r.maxAbs === 0).map((r) => r.name),
  };
}

/**
 * Seed D11, M2, M3 in one pass: (1) a train batch has the shape meta.json promises; (2) the loss of
 * the untrained model on it is close to ln(num_classes) (uniform predictions); (3) one backward pass
 * gives every trainable tensor a finite, non-zero gradient; (4) the model can drive the train loss
 * of a small subset below a threshold (weight decay 0, no augmentation). Each check stands alone,
 * so one failure does not hide the others.
 */
export async function runSanity(opts: SanityOptions): Promise<SanityFile> {
  const { config, data } = opts;
  const log = opts.log;
  const checks: SanityCheck[] = [];
  const k = data.numClasses;
  const lnK = Math.log(k);

  const model = opts.buildModel();
  const summary = summarizeModel(model);
  let outputShape: number[] = [];
  try {
    let first: { x: tf.Tensor4D; y: tf.Tensor1D } | null = null;
    for await (const b of data.trainBatches(0, config.train.batch_size)) {
      first = b;
      break;
    }
    if (!first) throw new Error('the train split gave no batch');
    const batch = first;
    try {
      // (1) batch shape
      const [n, h, w, c] = batch.x.shape;
      const [eh, ew, ec] = opts.expectedInputShape;
      const wantN = Math.min(config.train.batch_size, data.trainSize);
      const logits = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor);
      outputShape = [...logits.shape];
      logits.dispose();
      const shapeOk = h === eh && w === ew && c === ec && n === wantN && batch.y.shape[0] === n && outputShape[0] === n && outputShape[1] === k;
      checks.push({
        name: 'batch_shape',
        passed: shapeOk,
        detail:
          `train batch x [${batch.x.shape.join(', ')}] (N, H, W, C) ${batch.x.dtype}, y [${batch.y.shape.join(', ')}] ${batch.y.dtype}; ` +
          `meta.input_shape [${opts.expectedInputShape.join(', ')}] (H, W, C) ${h === eh && w === ew && c === ec ? 'agrees' : 'DISAGREES'}; ` +
          `model output [${outputShape.join(', ')}] (N, num_classes = ${k})`,
        values: { batch: batch.x.shape, labels: batch.y.shape, input_shape: opts.expectedInputShape, output: outputShape, batch_size: config.train.batch_size },
      });

      // (2) initial loss and (3) gradients, from one forward + backward in training mode
      const engine = await createEngine(model, config.train);
      try {
        const out = await engine.computeGradients(
          { x: batch.x.clone(), y: batch.y.clone() },
          { numClasses: k, labelSmoothing: 0, microBatch: config.train.micro_batch, gradClip: 0 },
        );
        const tol = config.sanity.initial_loss_tolerance;
        const rel = Math.abs(out.loss - lnK) / lnK;
        checks.push({
          name: 'initial_loss',
          passed: Number.isFinite(out.loss) && rel <= tol,
          detail:
            `initial loss ${f4(out.loss)} vs ln(${k}) = ${f4(lnK)}: relative difference ${(100 * rel).toFixed(1)} % (tolerance ` +
            `${(100 * tol).toFixed(1)} %, sanity.initial_loss_tolerance)`,
          values: { loss: out.loss, expected: lnK, relative_difference: rel, tolerance: tol },
        });
        const g = inspectGradients(engine.gradients());
        const bad = [...g.nonFinite.map((n) => `${n} (non-finite)`), ...g.zero.map((n) => `${n} (all zero)`)];
        checks.push({
          name: 'gradients',
          passed: bad.length === 0,
          detail:
            bad.length === 0
              ? `all ${g.rows.length} trainable tensors got a finite, non-zero gradient (global norm ${f4(out.gradNorm)}; smallest max|g| ` +
                `${Math.min(...g.rows.map((r) => r.maxAbs)).toExponential(2)})`
              : `${bad.length} of ${g.rows.length} trainable tensors got a bad gradient: ${bad.join(', ')}`,
          values: { tensors: g.rows.length, grad_norm: out.gradNorm, non_finite: g.nonFinite, zero: g.zero, per_tensor: g.rows },
        });
      } finally {
        engine.dispose();
      }
    } finally {
      disposeBatch(batch);
    }
  } finally {
    model.dispose();
  }

  // (4) overfit a small subset
  const oc = overfitConfig(config);
  const overfitModel = opts.buildModel();
  let history: EpochRecord[] = [];
  try {
    const callbacks = [nanGuard(), tensorBoard({ dir: opts.tensorboardDir, sampleImages: 0 }), ...(log ? [progressLogger(log)] : [])];
    const result = await fit({ model: overfitModel, config: oc, configHash: opts.configHash, data: opts.overfitData, callbacks });
    history = result.history;
    const final = history.at(-1)?.['train/loss'] ?? NaN;
    const threshold = config.sanity.overfit_threshold;
    const first = history[0]?.['train/loss'] ?? NaN;
    checks.push({
      name: 'overfit',
      passed: Number.isFinite(final) && final < threshold,
      detail:
        `${opts.overfitData.trainSize} train images, ${result.epoch} epochs at lr ${oc.train.lr} (weight decay 0, no augmentation): ` +
        `train loss ${f4(first)} → ${f4(final)} (threshold ${threshold}, sanity.overfit_threshold); ` +
        `accuracy on the subset ${f4(history.at(-1)?.['val/accuracy'] ?? NaN)}` +
        (result.stopReason === 'non_finite' ? `; stopped: ${result.message}` : ''),
      values: {
        size: opts.overfitData.trainSize,
        epochs: result.epoch,
        lr: oc.train.lr,
        first_loss: first,
        final_loss: final,
        threshold,
        stop_reason: result.stopReason,
      },
    });
  } finally {
    overfitModel.dispose();
  }

  return {
    kind: 'tinynet-sanity',
    created_at: new Date().toISOString(),
    passed: checks.every((c) => c.passed),
    checks,
    model: { config: config.model, ...summary, outputShape },
    overfit_history: history,
    tensorboard: opts.tensorboardDir,
    command: opts.command,
  };
}

export function formatSanity(s: SanityFile): string {
  const lines = s.checks.map((c) => `${c.passed ? 'PASS' : 'FAIL'}  ${c.name.padEnd(12)} ${c.detail}`);
  lines.push(
    '',
    `${s.passed ? 'all checks passed' : `${s.checks.filter((c) => !c.passed).length} check(s) failed`}; model has ${s.model.trainableParams} ` +
      `trainable parameters; overfit curve in ${s.tensorboard}`,
  );
  return lines.join('\n');
}
