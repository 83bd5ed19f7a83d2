/**
 * Images/s of one training step (Adam) on each engine, next to PyTorch CPU (2 threads) on the same
 * network measured in the same run, as ratios:
 *  - the onnxruntime engine (onnxruntime-node's native kernels, whole batches), its step split into
 *    forward / backward / optimizer / host time from onnxruntime's profile, and its peak memory —
 *    on the default model ([3,3,3] × 64/128/256, 64×64×3, 200 classes, batch 32) and on a narrow one
 *    ([1,1,1] × 16/32/64, batch 64);
 *  - the tfjs wasm backend with 2 threads and with 1 (and inference): wasm32 cannot hold a full
 *    batch of 32 of the default model (4 GiB heap), so its step accumulates gradients over
 *    micro-batches (8 by default; BatchNorm statistics are then per micro-batch).
 * PyTorch is the Debian `python3-torch` under /usr/bin/python3; when it is absent those rows are skipped.
 * Env: BENCH_THREADS (wasm, default "2,1"), BENCH_MICRO_BATCH (8), BENCH_WARMUP (1), BENCH_STEPS (3), BENCH_PYTHON (/usr/bin/python3),
 * BENCH_BLOCKS (the default model's stages, e.g. "2,2,2"), BENCH_ENGINES ("onnxruntime,wasm"). Run: npm run bench -- train-step
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../core/paths.js';
import { BENCH_NETWORK, benchNetworkForwardFlops } from './lib/network.js';
import { measurePeakInChild, type PeakMeasurement } from './wasm-peak-worker.js';
import type { BenchResult, BenchRow } from './lib/types.js';
import { run$, PYTHON, lastJsonLine, torchAvailable, envList } from './lib/child.js';
import { runWhenMain } from './lib/results-file.js';
import type { measureOnnxRuntime } from './train-step-onnxruntime.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Rate {
  images_per_s: number;
  step_s: number[];
}
interface EngineResult {
  engine: string;
  threads: number;
  train: Rate;
  inference: Rate;
  [extra: string]: unknown;
}

interface OnnxRun {
  network: string;
  batch: number;
  onnxruntime: Awaited<ReturnType<typeof measureOnnxRuntime>>;
  pytorch: { engine: string; train: Rate }[];
  wasm: (EngineResult & { backend: string }) | null;
}

const NARROW = { blocks: [1, 1, 1], widths: [16, 32, 64], batch: 64 };

/** onnxruntime on the default model (batch 32) and the narrow one (batch 64), PyTorch before and after each; wasm on the narrow one. */
async function measureOnnxRuntimeEngine(common: typeof BENCH_NETWORK & { batch: number; warmup: number; steps: number }, notes: string[]): Promise<OnnxRun[]> {
  const torchMissing = await torchAvailable();
  const networks = [
    { network: `default [${common.blocks}] × ${common.widths.join('/')}`, options: { ...common } },
    { network: `narrow [${NARROW.blocks}] × ${NARROW.widths.join('/')}`, options: { ...common, ...NARROW } },
  ];
  const out: OnnxRun[] = [];
  for (const { network, options } of networks) {
    const torch = async () => {
      const { stdout } = await run$(PYTHON, [packageFile('bench', 'torch_train_step.py'), JSON.stringify({ ...options, threads: 2 })], { maxBuffer: 1 << 20 });
      const r = lastJsonLine(stdout) as { torch: string; train: Rate };
      return { engine: `pytorch ${r.torch} cpu`, train: r.train };
    };
    const pytorch = torchMissing == null ? [await torch()] : [];
    const { stdout } = await run$(process.execPath, [path.join(HERE, 'train-step-onnxruntime.js'), JSON.stringify({ ...options, threads: 2 })], {
      maxBuffer: 1 << 20,
      env: { ...process.env, TINYNET_LOG: 'warn' },
    });
    const onnxruntime = lastJsonLine(stdout) as OnnxRun['onnxruntime'];
    if (torchMissing == null) pytorch.push(await torch());
    let wasm: OnnxRun['wasm'] = null;
    if (options.batch === NARROW.batch) {
      const w = await run$(process.execPath, [path.join(HERE, 'train-step-wasm.js'), JSON.stringify({ ...options, threads: 2, microBatch: 0 })], {
        maxBuffer: 1 << 20,
        env: { ...process.env, TINYNET_LOG: 'warn' },
      });
      wasm = lastJsonLine(w.stdout) as OnnxRun['wasm'];
    }
    out.push({ network, batch: options.batch, onnxruntime, pytorch, wasm });
  }
  if (torchMissing != null) notes.push(`PyTorch rows for the onnxruntime engine skipped: ${torchMissing}.`);
  return out;
}

function onnxRows(runs: OnnxRun[], seedWasm: EngineResult | undefined): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of runs) {
    const o = r.onnxruntime;
    const torch = r.pytorch.length ? r.pytorch.reduce((a, p) => a + p.train.images_per_s, 0) / r.pytorch.length : null;
    const label = `${r.network}, batch ${r.batch}`;
    rows.push({
      case: `training step img/s, onnxruntime engine, ${label} (whole batch, Adam; higher is better)`,
      value: o.train.images_per_s,
      unit: 'img/s',
      ...(torch != null
        ? {
            reference: `${r.pytorch[0].engine}, 2 threads, same network and batch (mean of before/after)`,
            referenceValue: torch,
            ratio: o.train.images_per_s / torch,
          }
        : {}),
    });
    const wasm = r.wasm ?? (r.batch === 32 ? seedWasm : undefined);
    if (wasm) {
      rows.push({
        case:
          `training step img/s, onnxruntime engine vs tfjs-wasm 2 threads, ` +
          `${label}${r.wasm ? '' : ` (wasm in ${32 / Number(wasm.micro_batch ?? 8)} micro-batches)`}`,
        value: o.train.images_per_s,
        unit: 'img/s',
        reference: `tfjs-wasm (${String(wasm.backend ?? wasm.engine)})`,
        referenceValue: wasm.train.images_per_s,
        ratio: o.train.images_per_s / wasm.train.images_per_s,
      });
    }
    if (o.phases) {
      const step = o.batch / o.train.images_per_s;
      for (const [phase, seconds] of Object.entries(o.phases)) {
        rows.push({
          case: `onnxruntime step, ${label}: ${phase.replace('_s', '')} seconds (share of the step)`,
          value: seconds,
          unit: 's',
          reference: 'whole step',
          referenceValue: step,
          ratio: seconds / step,
        });
      }
    }
    rows.push({ case: `onnxruntime engine peak resident memory, ${label}`, value: o.peak_rss_mib, unit: 'MiB' });
  }
  return rows;
}

export async function run(): Promise<BenchResult> {
  const blocks = envList('BENCH_BLOCKS', BENCH_NETWORK.blocks);
  const common = {
    ...BENCH_NETWORK,
    blocks,
    batch: 32,
    warmup: envList('BENCH_WARMUP', [1], 0)[0],
    steps: envList('BENCH_STEPS', [3])[0],
  };
  const microBatch = envList('BENCH_MICRO_BATCH', [8])[0];
  const engines = (process.env.BENCH_ENGINES ?? 'onnxruntime,wasm').split(',').map((e) => e.trim());
  const results: EngineResult[] = [];
  const notes: string[] = [];
  const onnx = engines.includes('onnxruntime') ? await measureOnnxRuntimeEngine(common, notes) : [];

  const torchMissing = await torchAvailable();
  const measureTorch = async () => {
    const { stdout } = await run$(PYTHON, [packageFile('bench', 'torch_train_step.py'), JSON.stringify({ ...common, threads: 2 })], {
      maxBuffer: 1 << 20,
    });
    const r = lastJsonLine(stdout) as { torch: string; threads: number; train: Rate; inference: Rate };
    results.push({ engine: `pytorch ${r.torch} cpu`, threads: r.threads, train: r.train, inference: r.inference, batch: 32 });
  };
  // PyTorch before and after the wasm runs, its reference the mean of both: the machine is shared,
  // and load that drifts during the ~10 minutes of wasm runs then weighs on both sides.
  if (torchMissing == null) await measureTorch();
  else notes.push(`PyTorch half skipped: ${torchMissing}.`);

  // The wasm SIMD128 peak on 2 threads, measured in this run: no wasm training step can beat
  // (training FLOPs per image) / (this rate), whatever its kernels.
  const measured = await measurePeakInChild([], { variant: 'mul-add', threads: 2 });
  const peak: PeakMeasurement | null = 'error' in measured ? null : measured;
  if ('error' in measured) notes.push(`wasm peak not measured: ${measured.error}.`);

  for (const threads of engines.includes('wasm') ? envList('BENCH_THREADS', [2, 1]) : []) {
    const { stdout } = await run$(process.execPath, [path.join(HERE, 'train-step-wasm.js'), JSON.stringify({ ...common, threads, microBatch })], {
      maxBuffer: 1 << 20,
      env: { ...process.env, TINYNET_LOG: 'warn' },
    });
    const r = lastJsonLine(stdout) as EngineResult & { backend: string };
    results.push({ ...r, engine: `tfjs-wasm (${r.backend})`, batch: 32 });
  }

  if (torchMissing == null) await measureTorch();
  const torchRuns = results.filter((r) => r.engine.startsWith('pytorch'));
  const meanRate = (phase: 'train' | 'inference') => torchRuns.reduce((a, r) => a + r[phase].images_per_s, 0) / torchRuns.length;
  const torch = torchRuns.length
    ? {
        engine: torchRuns[0].engine,
        threads: torchRuns[0].threads,
        train: { images_per_s: meanRate('train') },
        inference: { images_per_s: meanRate('inference') },
      }
    : null;
  if (torchRuns.length > 1) {
    notes.push(
      `PyTorch measured before and after the wasm runs: train ${torchRuns.map((r) => r.train.images_per_s.toFixed(2)).join(' / ')} img/s, inference ` +
        `${torchRuns.map((r) => r.inference.images_per_s.toFixed(2)).join(' / ')} img/s; the reference is their mean.`,
    );
  }
  const rows: BenchRow[] = [];
  const micro = `batch 32 as ${32 / microBatch} micro-batches of ${microBatch}`;
  for (const r of results.filter((e) => e.engine.startsWith('tfjs-wasm'))) {
    for (const phase of ['train', 'inference'] as const) {
      rows.push({
        case:
          `${phase === 'train' ? `training step (${micro}, Adam)` : 'inference (batch 32)'} img/s, default model, wasm ${r.threads} ` +
          `thread${r.threads === 1 ? '' : 's'} (higher is better)`,
        value: r[phase].images_per_s,
        unit: 'img/s',
        ...(torch
          ? {
              reference: `${torch.engine}, ${torch.threads} threads, batch 32`,
              referenceValue: torch[phase].images_per_s,
              ratio: r[phase].images_per_s / torch[phase].images_per_s,
            }
          : {}),
      });
    }
  }
  const wasm2 = results.find((r) => r.engine.startsWith('tfjs-wasm') && r.threads === 2);
  const wasm1 = results.find((r) => r.engine.startsWith('tfjs-wasm') && r.threads === 1);
  if (wasm2 && wasm1) {
    for (const phase of ['train', 'inference'] as const) {
      rows.push({
        case: `${phase} img/s, wasm 2 threads vs 1 thread (higher is better)`,
        value: wasm2[phase].images_per_s,
        unit: 'img/s',
        reference: 'wasm, 1 thread (stock tfjs in Node)',
        referenceValue: wasm1[phase].images_per_s,
        ratio: wasm2[phase].images_per_s / wasm1[phase].images_per_s,
      });
    }
  }
  const trainFlops = 3 * benchNetworkForwardFlops({ ...BENCH_NETWORK, blocks });
  const gflops = (imagesPerS: number) => (imagesPerS * trainFlops) / 1e9;
  if (peak) {
    const peakRef = { reference: 'wasm SIMD128 peak (f32x4 mul+add), 2 threads, this run', referenceValue: peak.gflops };
    for (const r of [wasm2, torch].filter((e): e is NonNullable<typeof e> => e != null)) {
      const g = gflops(r.train.images_per_s);
      rows.push({
        case: `training GFLOP/s achieved, ${r.engine} ${r.threads} threads (3 × forward conv+dense FLOPs per image)`,
        value: g,
        unit: 'GFLOP/s',
        ...peakRef,
        ratio: g / peak.gflops,
      });
    }
    if (torch) {
      const bound = (peak.gflops * 1e9) / trainFlops;
      rows.push({
        case: 'training img/s of a wasm step running every FLOP at the wasm SIMD128 peak (an upper bound for any wasm kernels) vs PyTorch',
        value: bound,
        unit: 'img/s',
        reference: `${torch.engine}, ${torch.threads} threads, batch 32`,
        referenceValue: torch.train.images_per_s,
        ratio: bound / torch.train.images_per_s,
      });
    }
  }
  if (torchRuns.length && wasm2) {
    // The fastest step of each engine is the least disturbed by other processes on a shared machine.
    const best = (r: EngineResult, phase: 'train' | 'inference') => Math.min(...r[phase].step_s);
    const torchBest = (phase: 'train' | 'inference') => Math.min(...torchRuns.map((r) => best(r, phase)));
    notes.push(
      `Fastest step only (least disturbed by load): wasm 2 threads vs PyTorch train ${(torchBest('train') / best(wasm2, 'train')).toFixed(2)}×, ` +
        `inference ${(torchBest('inference') / best(wasm2, 'inference')).toFixed(2)}×.`,
    );
  }
  notes.push(
    `Model [${blocks}] × widths ${BENCH_NETWORK.widths}, ${BENCH_NETWORK.size}×${BENCH_NETWORK.size}×3, ${BENCH_NETWORK.classes} classes, batch 32; ` +
      `wasm training accumulates gradients over micro-batches of ${microBatch} (a full batch of 32 does not fit the 4 GiB wasm32 heap; ` +
      `heap after the run: ${results
        .map((r) => (r.wasm_heap_mib != null ? `${r.wasm_heap_mib} MiB` : null))
        .filter(Boolean)
        .join(' / ')}). ` +
      `${common.warmup} warm-up + ${common.steps} timed steps each, engines one after another; the machine may be shared, so read the ratios. ` +
      'Per-step seconds are in `engines`. Reproduce: npm run bench -- train-step (BENCH_THREADS, BENCH_MICRO_BATCH, BENCH_STEPS, BENCH_WARMUP, BENCH_BLOCKS).',
  );
  notes.push(
    `Training FLOPs per image: ${(trainFlops / 1e9).toFixed(2)} G (3 × ${(trainFlops / 3e9).toFixed(2)} G forward, convolutions and dense layer). ` +
      'The peak is a register-only multiply-add loop (bench/wasm-peak-kernel.ts), the most any wasm code reaches on these cores; `npm run bench -- ' +
      'wasm-peak` measures it in detail.',
  );
  rows.unshift(...onnxRows(onnx, wasm2));
  const result: BenchResult & { engines: EngineResult[]; onnxruntime: OnnxRun[]; wasm_peak: PeakMeasurement | null; train_flops_per_image: number } = {
    name: 'train-step',
    results: rows,
    notes: notes.join(' '),
    engines: results,
    onnxruntime: onnx,
    wasm_peak: peak,
    train_flops_per_image: trainFlops,
  };
  return result;
}

await runWhenMain(import.meta.url, run);
