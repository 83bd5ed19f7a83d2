/**
 * Where a wasm training step of the default model spends its time: wall time per kernel, grouped into
 * forward convolutions, input gradients, filter gradients and everything else (BatchNorm,
 * reductions, elementwise ops, Adam), with each convolution group's GFLOP/s next to the wasm SIMD128
 * peak measured in the same run. The step is bench/train-step-wasm.ts's (batch 32 as micro-batches).
 * Env: BENCH_MICRO_BATCH (8), BENCH_STEPS (1), BENCH_THREADS (2). Run: npm run bench -- train-profile
 */
import { fileURLToPath } from 'node:url';
import { convFlops, timeKernels, type KernelCall } from './kernel-timer.js';
import { BENCH_NETWORK } from './lib/network.js';
import { prepareWasmStep } from './train-step-wasm.js';
import { measurePeakInChild, type PeakMeasurement } from './wasm-peak-worker.js';
import type { BenchResult, BenchRow } from './lib/types.js';
import { run$, lastJsonLine, envInt } from './lib/child.js';

const GROUPS = {
  forward: 'forward convolutions (Conv2D, FusedConv2D)',
  input: 'input gradients (Conv2DBackpropInput)',
  filter: 'filter gradients (Conv2DBackpropFilter)',
  other: 'everything else (BatchNorm, reductions, elementwise, Adam)',
} as const;
type Group = keyof typeof GROUPS;

function groupOf(kernel: string): Group {
  if (kernel === 'Conv2D' || kernel === 'FusedConv2D') return 'forward';
  if (kernel === 'Conv2DBackpropInput') return 'input';
  if (kernel === 'Conv2DBackpropFilter') return 'filter';
  return 'other';
}

export interface ProfileSummary {
  threads: number;
  micro_batch: number;
  steps: number;
  step_s: number;
  groups: Record<Group, { s_per_step: number; gflop_per_step: number }>;
  /** Top-level kernels by time: name (with shapes for convolutions), calls and seconds per step. */
  kernels: { kernel: string; calls: number; s_per_step: number }[];
}

export function summarize(calls: KernelCall[], steps: number, stepS: number, threads: number, microBatch: number): ProfileSummary {
  const groups = Object.fromEntries(Object.keys(GROUPS).map((g) => [g, { s_per_step: 0, gflop_per_step: 0 }])) as ProfileSummary['groups'];
  const byKernel = new Map<string, { calls: number; ms: number }>();
  for (const call of calls) {
    if (call.nested) continue;
    const g = groups[groupOf(call.kernel)];
    g.s_per_step += call.ms / 1000 / steps;
    g.gflop_per_step += convFlops(call) / 1e9 / steps;
    const key =
      groupOf(call.kernel) === 'other'
        ? call.kernel
        : `${call.kernel} ${call.shapes
            .filter((s) => s.length > 0)
            .map((s) => s.join('×'))
            .join(' · ')} stride ${(call.attrs.strides as number[]).join(',')}`;
    const k = byKernel.get(key) ?? { calls: 0, ms: 0 };
    k.calls++;
    k.ms += call.ms;
    byKernel.set(key, k);
  }
  const kernels = [...byKernel.entries()]
    .map(([kernel, k]) => ({ kernel, calls: k.calls / steps, s_per_step: k.ms / 1000 / steps }))
    .sort((a, b) => b.s_per_step - a.s_per_step);
  return { threads, micro_batch: microBatch, steps, step_s: stepS, groups, kernels };
}

async function profileInThisProcess(threads: number, microBatch: number, steps: number): Promise<ProfileSummary> {
  const { trainStep, micro } = await prepareWasmStep({ ...BENCH_NETWORK, threads, batch: 32, microBatch, warmup: 0, steps });
  trainStep(); // warm-up: XNNPACK operators, heap growth
  const { calls, restore } = timeKernels('wasm');
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainStep();
  const stepS = (performance.now() - start) / 1000 / steps;
  restore();
  return summarize(calls, steps, stepS, threads, micro);
}

/** The profile of one step of the default model on wasm, in a child process (a fresh backend with `threads`). */
export async function profileWasmStep(options: { threads: number; microBatch: number; steps: number }): Promise<ProfileSummary> {
  const { stdout } = await run$(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(options)], {
    maxBuffer: 1 << 22,
    env: { ...process.env, TINYNET_LOG: 'warn' },
  });
  return lastJsonLine(stdout) as ProfileSummary;
}

export async function run(): Promise<BenchResult> {
  const threads = envInt('BENCH_THREADS', 2);
  const notes: string[] = [];
  const measured = await measurePeakInChild([], { variant: 'mul-add', threads: threads });
  const peak: PeakMeasurement | null = 'error' in measured ? null : measured;
  if ('error' in measured) notes.push(`wasm peak not measured: ${measured.error}.`);
  const profile = await profileWasmStep({ threads, microBatch: envInt('BENCH_MICRO_BATCH', 8), steps: envInt('BENCH_STEPS', 1) });
  const rows: BenchRow[] = [];
  const timed = Object.values(profile.groups).reduce((a, g) => a + g.s_per_step, 0);
  for (const [key, label] of Object.entries(GROUPS) as [Group, string][]) {
    const g = profile.groups[key];
    rows.push({
      case: `${label}, s per step`,
      value: g.s_per_step,
      unit: 's',
      reference: 'all kernels of the step',
      referenceValue: timed,
      ratio: g.s_per_step / timed,
    });
    if (g.gflop_per_step > 0) {
      const rate = g.gflop_per_step / g.s_per_step;
      rows.push({
        case: `${label}, GFLOP/s (share of the wasm peak; higher is better)`,
        value: rate,
        unit: 'GFLOP/s',
        ...(peak
          ? { reference: `wasm SIMD128 peak (mul+add), ${peak.threads} threads, this run`, referenceValue: peak.gflops, ratio: rate / peak.gflops }
          : {}),
      });
    }
  }
  notes.push(
    `Default model, batch 32 as ${32 / profile.micro_batch} micro-batches of ${profile.micro_batch}, Adam, wasm ${profile.threads} threads; ` +
      `${profile.steps} timed step(s) of ${profile.step_s.toFixed(1)} s after one warm-up (the timers add ~1 %). ` +
      `Slowest kernels (s per step): ${profile.kernels
        .slice(0, 8)
        .map((k) => `${k.kernel} ${k.s_per_step.toFixed(2)}`)
        .join('; ')}. ` +
      'Every kernel is in `profile.kernels`. Reproduce: npm run bench -- train-profile (BENCH_MICRO_BATCH, BENCH_STEPS, BENCH_THREADS).',
  );
  const result: BenchResult & { profile: ProfileSummary; wasm_peak: PeakMeasurement | null } = {
    name: 'train-profile',
    results: rows,
    notes: notes.join(' '),
    profile,
    wasm_peak: peak,
  };
  return result;
}

// Run as a child: `node dist/bench/train-profile.js '<json options>'`.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  const o = JSON.parse(process.argv[2]) as { threads: number; microBatch: number; steps: number };
  process.stdout.write(`${JSON.stringify(await profileInThisProcess(o.threads, o.microBatch, o.steps))}\n`);
  process.exit(0);
}
