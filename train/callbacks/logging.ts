import * as tf from '@tensorflow/tfjs';
import { createProgress, type Progress } from '../../core/progress.js';
import type { Logger } from '../../core/log.js';
import type { Callback } from '../loop/callback.js';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/**
 * Bytes of the wasm heap (its high-water mark: it only grows, up to 4 GiB), or null off wasm.
 * Same reading as train/backend/select.ts's wasmHeapBytes, repeated here because importing that
 * module registers the wasm backend as a side effect, and the loop must not change the backend.
 */
function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: { wasmMemory?: { buffer: ArrayBufferLike }; HEAPU8?: Uint8Array } }).wasm;
  return (wasm?.wasmMemory?.buffer ?? wasm?.HEAPU8?.buffer)?.byteLength ?? null;
}

/** Tensor memory, plus the WebAssembly heap size when the backend is wasm. */
export function memoryText(): string {
  const parts = [`${tf.memory().numTensors} tensors`];
  const heap = wasmHeapBytes();
  if (heap !== null) parts.push(`wasm heap ${mb(heap)}`);
  // The process's high-water mark: native engines (onnxruntime's arena) allocate outside every JS heap.
  parts.push(`peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`);
  return parts.join(', ');
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** A progress bar per epoch (loss, LR, rate, ETA) and one summary line per epoch. */
export function progressLogger(log: Logger): Callback {
  let bar: Progress | null = null;
  let lossEma: number | null = null;
  return {
    name: 'progress',
    onTrainBegin(ctx) {
      const t = ctx.config.train;
      log.info(
        `training ${ctx.data.trainSize} images (${ctx.stepsPerEpoch} steps/epoch × ${t.epochs} epochs, batch ${t.batch_size}` +
          `${t.micro_batch > 0 && t.micro_batch < t.batch_size ? ` as micro-batches of ${t.micro_batch}` : ''}), validating on ${ctx.data.valSize}; ` +
          `${t.optimizer} lr ${t.lr} schedule ${t.schedule.name}, backend ${ctx.backend}` +
          (ctx.epoch > 0 || ctx.batchInEpoch > 0 ? `; resuming at epoch ${ctx.epoch + 1}, batch ${ctx.batchInEpoch + 1}` : ''),
      );
    },
    onEpochBegin(ctx, epoch) {
      lossEma = null;
      const bs = ctx.config.train.batch_size;
      const images = Math.min((ctx.stepsPerEpoch - ctx.batchInEpoch) * bs, ctx.data.trainSize - ctx.batchInEpoch * bs);
      bar = createProgress({ label: `epoch ${epoch + 1}/${ctx.config.train.epochs}`, total: images, unit: 'img' });
    },
    onBatchEnd(_ctx, info) {
      lossEma = lossEma === null ? info.loss : 0.9 * lossEma + 0.1 * info.loss;
      bar?.tick(info.images, { loss: lossEma, lr: info.lr.toExponential(2) });
    },
    onEpochEnd(ctx, m) {
      bar?.stop();
      bar = null;
      log.info(
        `epoch ${m.epoch}/${ctx.config.train.epochs} train loss ${fmt(m['train/loss'])} acc ${fmt(m['train/accuracy'])} | ` +
          `val loss ${fmt(m['val/loss'])} acc ${fmt(m['val/accuracy'])} top5 ${fmt(m['val/top5'])} f1 ${fmt(m['val/f1'])} | ` +
          (m['val/ema_accuracy'] !== undefined ? `ema acc ${fmt(m['val/ema_accuracy'])} loss ${fmt(m['val/ema_loss']!)} | ` : '') +
          `lr ${m.lr.toExponential(2)} | ${m.throughput.toFixed(1)} img/s | ${m.seconds.toFixed(1)} s | ${memoryText()}` +
          (ctx.improved ? ' *' : ''),
      );
    },
    onTrainEnd(_ctx, result) {
      bar?.stop();
      if (result.message) log.warn(result.message);
      const best = result.best ? `best ${result.best.monitor} ${fmt(result.best.value)} at epoch ${result.best.epoch}` : 'no completed epoch';
      log.info(`done (${result.stopReason}) after ${result.epoch} epochs, ${result.step} steps; ${best}`);
    },
  };
}
