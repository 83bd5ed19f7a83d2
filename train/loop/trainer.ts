import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../../core/config/index.js';
import { TinynetError } from '../../core/errors.js';
import { isImprovement } from '../../core/monitored-metric.js';
import { createSchedule, type LrSchedule } from '../optim/index.js';
import { seedDropout, dropoutRngState } from '../model/spatial-dropout.js';
import type { CheckpointContents } from '../checkpoint/checkpoint.js';
import type { DataProvider } from '../data/provider.js';
import { disposeBatch } from '../../dataset/index.js';
import type { BestMetric, EpochMetrics, EpochProgress } from '../types.js';
import type { TrainingEngine } from './engine.js';
import { createEngine } from './create-engine.js';
import { EngineEma } from './ema.js';
import type { Callback, StepInfo, StopReason, TrainerContext, TrainResult } from './callback.js';

/** What a resumed run starts from (a loaded checkpoint fits). */
export type ResumeState = Pick<
  CheckpointContents,
  'epoch' | 'step' | 'batchInEpoch' | 'history' | 'best' | 'rng' | 'optimizer' | 'callbacks' | 'epochProgress' | 'ema'
>;

export interface FitOptions {
  model: tf.LayersModel;
  config: Config;
  configHash: string;
  data: DataProvider;
  callbacks?: Callback[];
  resume?: ResumeState;
  /** The engine to train with (fit disposes it); by default the one the selected backend calls for. */
  engine?: TrainingEngine;
  /** Replace train.schedule (an LR range test sweeps its own LR per step). */
  lrSchedule?: LrSchedule;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The training loop, reusable by `tinynet train`, sanity checks, LR finder and grids: config +
 * data + callbacks in, history out. Per step: the engine's gradients (clipped to the global norm),
 * NaN guard hooks, the scheduled LR, the engine's update. Per epoch: validation metrics, best
 * tracking on train.monitor, then epoch-end callbacks (logging, checkpoints, early stopping ...).
 * Whatever the engine, the model holds the current weights whenever a callback may save it.
 */
export async function fit(opts: FitOptions): Promise<TrainResult> {
  const { model, config, data } = opts;
  const train = config.train;
  const callbacks = opts.callbacks ?? [];
  const fullSteps = Math.ceil(data.trainSize / train.batch_size);
  const stepsPerEpoch = train.max_steps_per_epoch > 0 ? Math.min(fullSteps, train.max_steps_per_epoch) : fullSteps;
  if (stepsPerEpoch < 1) throw new TinynetError('train.no_data', 'the train split is empty', 'check the dataset (tinynet data prepare)');
  const schedule = opts.lrSchedule ?? createSchedule(train, { stepsPerEpoch, epochs: train.epochs });
  const engine = opts.engine ?? (await createEngine(model, train));
  const backend = engine.name;

  let stopReason: StopReason | null = null;
  let progress: EpochProgress | null = null;
  let stopMessage: string | undefined;
  const resume = opts.resume;
  if (resume?.optimizer) engine.setOptimizerState(resume.optimizer);
  seedDropout(resume?.rng.dropout ?? config.seed);
  for (const cb of callbacks) if (resume && cb.setState && resume.callbacks[cb.name] !== undefined) cb.setState(resume.callbacks[cb.name]);
  const ema = train.ema.enabled ? new EngineEma(train.ema, engine, model) : null;
  if (ema && resume?.ema) ema.load(resume.ema);

  const ctx: TrainerContext = {
    model,
    config,
    data,
    backend,
    epoch: resume?.epoch ?? 0,
    step: resume?.step ?? 0,
    batchInEpoch: resume?.batchInEpoch ?? 0,
    stepsPerEpoch,
    history: [...(resume?.history ?? [])],
    best: resume?.best ?? null,
    improved: false,
    bestWeights: 'raw',
    withBestWeights(fn) {
      return ema && ctx.bestWeights === 'ema' ? ema.swappedIn(fn) : Promise.resolve().then(fn);
    },
    requestStop(reason, message) {
      if (stopReason === null) {
        stopReason = reason;
        stopMessage = message;
      }
    },
    get stopReason() {
      return stopReason;
    },
    snapshot(): CheckpointContents {
      engine.syncModel();
      const state: Record<string, unknown> = {};
      for (const cb of callbacks) if (cb.getState) state[cb.name] = cb.getState();
      return {
        config,
        configHash: opts.configHash,
        meta: data.meta,
        epoch: ctx.epoch,
        step: ctx.step,
        batchInEpoch: ctx.batchInEpoch,
        epochProgress: ctx.batchInEpoch > 0 && progress ? { ...progress } : null,
        metrics: ctx.history.at(-1) ?? null,
        history: ctx.history,
        best: ctx.best,
        rng: { dropout: dropoutRngState() },
        optimizer: engine.getOptimizerState(),
        callbacks: state,
        backend,
        ema: ema?.tensors() ?? null,
        weightsFrom: 'raw',
      };
    },
  };

  const call = async <K extends keyof Callback>(hook: K, ...args: unknown[]) => {
    for (const cb of callbacks) {
      const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (typeof fn === 'function') await fn.call(cb, ctx, ...args);
    }
  };

  let result: TrainResult | null = null;
  try {
    await call('onTrainBegin');
    while (ctx.epoch < train.epochs && stopReason === null) {
      const epoch = ctx.epoch;
      await call('onEpochBegin', epoch);
      const started = performance.now();
      // Running sums of the epoch; a mid-epoch resume starts from the ones saved in the checkpoint.
      const sums: EpochProgress =
        ctx.batchInEpoch > 0 && resume?.epochProgress && resume.epoch === epoch
          ? { ...resume.epochProgress }
          : { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0 };
      progress = sums;
      let batchIndex = 0;
      let lr = schedule(ctx.step);
      for await (const batch of data.trainBatches(epoch, train.batch_size)) {
        if (batchIndex >= stepsPerEpoch || stopReason !== null) {
          disposeBatch(batch);
          break;
        }
        if (batchIndex < ctx.batchInEpoch) {
          // Resuming mid-epoch: replay the epoch's batches (same order and augmentation) up to where it stopped.
          disposeBatch(batch);
          batchIndex++;
          continue;
        }
        const t0 = performance.now();
        const n = batch.y.shape[0];
        lr = schedule(ctx.step);
        const out = await engine.computeGradients(batch, {
          numClasses: data.numClasses,
          labelSmoothing: train.label_smoothing,
          microBatch: train.micro_batch,
          gradClip: train.grad_clip,
        });
        const info: StepInfo = { epoch, batch: batchIndex, step: ctx.step, loss: out.loss, accuracy: out.correct / n, lr, images: n, gradNorm: out.gradNorm };
        try {
          await call('beforeUpdate', info);
          engine.applyUpdate(lr);
        } finally {
          engine.discardGradients();
        }
        ema?.follow(ctx.step + 1);
        sums.trainSeconds += (performance.now() - t0) / 1000;
        ctx.step++;
        batchIndex++;
        ctx.batchInEpoch = batchIndex;
        sums.lossSum += out.loss * n;
        sums.correct += out.correct;
        sums.seen += n;
        await call('onBatchEnd', info);
        await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run between steps
        if (batchIndex >= stepsPerEpoch) break; // max_steps_per_epoch: do not build a batch that will not train
      }
      if (stopReason !== null) break; // interrupted mid-epoch: no validation, last.ckpt records batchInEpoch

      const val = await engine.evaluate(data.valBatches(train.batch_size), data.numClasses);
      const emaVal = ema && ema.arrays.size > 0 ? await ema.swappedIn(() => engine.evaluate(data.valBatches(train.batch_size), data.numClasses)) : null;
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        step: ctx.step,
        'train/loss': sums.seen ? sums.lossSum / sums.seen : NaN,
        'train/accuracy': sums.seen ? sums.correct / sums.seen : NaN,
        'val/loss': val.loss,
        'val/accuracy': val.report.accuracy,
        'val/top5': val.report.top5,
        'val/f1': val.report.macroF1,
        lr,
        throughput: sums.trainSeconds > 0 ? sums.seen / sums.trainSeconds : 0,
        seconds: (performance.now() - started) / 1000,
        ...(emaVal
          ? { 'val/ema_loss': emaVal.loss, 'val/ema_accuracy': emaVal.report.accuracy, 'val/ema_top5': emaVal.report.top5, 'val/ema_f1': emaVal.report.macroF1 }
          : {}),
      };
      ctx.epoch = epoch + 1;
      ctx.batchInEpoch = 0;
      ctx.history.push(metrics);
      // With an EMA, the epoch's candidate for best is whichever of the two validated better on train.monitor.
      const raw = metrics[train.monitor];
      const averaged = emaVal ? metrics[train.monitor.replace('val/', 'val/ema_') as keyof EpochMetrics] : undefined;
      ctx.bestWeights = averaged !== undefined && isImprovement(train.monitor, averaged, raw) ? 'ema' : 'raw';
      const value = ctx.bestWeights === 'ema' ? (averaged as number) : raw;
      ctx.improved = isImprovement(train.monitor, value, ctx.best?.value ?? null);
      if (ctx.improved) ctx.best = { monitor: train.monitor, value, epoch: ctx.epoch, ...(ema ? { weights: ctx.bestWeights } : {}) } satisfies BestMetric;
      engine.syncModel();
      await call('onEpochEnd', metrics);
    }
    result = { history: ctx.history, best: ctx.best, stopReason: stopReason ?? 'completed', message: stopMessage, epoch: ctx.epoch, step: ctx.step };
  } catch (err) {
    if (err instanceof TinynetError && err.code === 'train.non_finite') {
      result = { history: ctx.history, best: ctx.best, stopReason: 'non_finite', message: err.message, epoch: ctx.epoch, step: ctx.step };
    } else {
      engine.dispose();
      throw err;
    }
  }
  engine.syncModel();
  await call('onTrainEnd', result);
  engine.dispose();
  return result;
}
