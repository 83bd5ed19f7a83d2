/**
 * Child process of bench/train-step.ts: times training steps of a ResNet (built by train/model from
 * a model config, as `tinynet train` builds it) on the onnxruntime engine, then profiles one more
 * step to split it into forward, backward (onnxruntime's per-node kernel times) and the optimizer
 * update (JavaScript), and reports the process's peak resident memory. Prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../core/config/index.js';
import { buildResNet } from '../train/model/index.js';
import { OnnxRuntimeEngine } from '../train/onnxruntime/engine.js';
import { Rng } from '../core/rng.js';

export interface OnnxStepOptions {
  blocks: number[];
  widths: number[];
  size: number;
  classes: number;
  dropout: number;
  batch: number;
  threads: number;
  warmup: number;
  steps: number;
}

interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
}

/** Microseconds of kernel time per phase in an onnxruntime profile: backward nodes are named grad/…, the loss gradient loss/dLogits. */
export function splitProfile(events: TraceEvent[]): { forward_s: number; backward_s: number } {
  let forward = 0;
  let backward = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    if (e.name.startsWith('grad/') || e.name.startsWith('loss/Softmax') || e.name.startsWith('loss/Residual') || e.name.startsWith('loss/dLogits'))
      backward += e.dur;
    else forward += e.dur;
  }
  return { forward_s: forward / 1e6, backward_s: backward / 1e6 };
}

export async function measureOnnxRuntime(o: OnnxStepOptions) {
  await tf.setBackend('cpu');
  const config = configSchema.parse({
    model: { blocks: o.blocks, widths: o.widths, dropout: o.dropout },
    train: { optimizer: 'adam', lr: 1e-4, weight_decay: 0 },
  });
  const model = buildResNet(config.model, { inputShape: [o.size, o.size, 3], numClasses: o.classes }, { seed: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-ort-profile-'));
  const rng = new Rng(1);
  const batch = () => ({
    x: tf.tensor4d(
      Float32Array.from({ length: o.batch * o.size * o.size * 3 }, () => rng.normal()),
      [o.batch, o.size, o.size, 3],
    ),
    y: tf.tensor1d(
      Int32Array.from({ length: o.batch }, () => rng.int(o.classes)),
      'int32',
    ),
  });
  const gradOpts = { numClasses: o.classes, labelSmoothing: 0, microBatch: 0, gradClip: 0 };
  const time = async (engine: OnnxRuntimeEngine) => {
    const b = batch();
    const t0 = performance.now();
    const r = await engine.computeGradients(b, gradOpts);
    const t1 = performance.now();
    engine.applyUpdate(1e-4);
    const t2 = performance.now();
    if (!Number.isFinite(r.loss)) throw new Error(`loss became ${r.loss}`);
    return { step: (t2 - t0) / 1000, gradients: (t1 - t0) / 1000, update: (t2 - t1) / 1000 };
  };

  const engine = await OnnxRuntimeEngine.create(model, { train: config.train, provider: 'cpu', threads: o.threads });
  for (let i = 0; i < o.warmup; i++) await time(engine);
  const stepS: number[] = [];
  const updateS: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    const t = await time(engine);
    stepS.push(t.step);
    updateS.push(t.update);
  }
  engine.dispose();

  // One profiled step on its own session (profiling slows a step a little; its shares are what count).
  const profiled = await OnnxRuntimeEngine.create(model, { train: config.train, provider: 'cpu', threads: o.threads, profilePrefix: path.join(dir, 'step') });
  const profiledSteps = [await time(profiled), await time(profiled)];
  profiled.endProfiling();
  const perStep = (v: number) => v / profiledSteps.length;
  const gradientWall = perStep(profiledSteps.reduce((a, s) => a + s.gradients, 0));
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  const split = file ? splitProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as TraceEvent[]) : null;
  profiled.dispose();
  rmSync(dir, { recursive: true, force: true });
  const total = stepS.reduce((a, b) => a + b, 0);
  return {
    engine: 'onnxruntime-node cpu',
    threads: o.threads,
    batch: o.batch,
    nodes: profiled.stepNodes,
    train: { images_per_s: (o.batch * o.steps) / total, step_s: stepS },
    phases: split
      ? {
          forward_s: perStep(split.forward_s),
          backward_s: perStep(split.backward_s),
          optimizer_s: updateS.reduce((a, b) => a + b, 0) / updateS.length,
          // Feeds, dropout masks, targets, the gradient norm and onnxruntime's own scheduling.
          host_s: Math.max(0, gradientWall - perStep(split.forward_s + split.backward_s)),
        }
      : null,
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

// Run as a child: `node dist/bench/train-step-onnxruntime.js '<json options>'`.
if (process.argv[1]?.endsWith('train-step-onnxruntime.js')) {
  const options = JSON.parse(process.argv[2] ?? '{}') as OnnxStepOptions;
  process.stdout.write(`${JSON.stringify(await measureOnnxRuntime(options))}\n`);
  process.exit(0);
}
