/**
 * Peak float32 throughput of WebAssembly SIMD128 in this Node, GFLOP/s, on 1 and 2 threads: the
 * highest rate any wasm code (so any wasm convolution, XNNPACK's included) can reach on this CPU.
 * Two kernels (bench/wasm-peak-kernel.ts): f32x4.mul + f32x4.add, all that stock SIMD128 has, and
 * f32x4.relaxed_madd (FMA), which Node 20 only compiles with --experimental-wasm-relaxed-simd.
 * Each is timed in a child process (bench/wasm-peak-worker.ts) started with the V8 flags it needs,
 * next to PyTorch's float32 GEMM on 2 threads measured in the same run (bench/torch_matmul_peak.py,
 * Debian `python3-torch` under /usr/bin/python3; skipped with a note when absent).
 * Env: BENCH_PYTHON (/usr/bin/python3), BENCH_WINDOWS (5), BENCH_WINDOW_MS (300), BENCH_WARMUP_MS (400).
 * Run: npm run build && node dist/bench/run-all.js wasm-peak
 */
import { packageFile } from '../core/paths.js';
import { ACCUMULATORS } from './wasm-peak-kernel.js';
import { measurePeakInChild, type PeakMeasurement } from './wasm-peak-worker.js';
import type { BenchResult, BenchRow } from './lib/types.js';
import { run$, PYTHON, lastJsonLine, torchAvailable, envInt } from './lib/child.js';
import { runWhenMain } from './lib/results-file.js';

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

interface TorchPeak {
  torch: string;
  threads: number;
  onednn_gemm: { n: number; gflops: number; seconds: number[] };
  matmul: { n: number; blas: string; blas_libraries: string[]; gflops: number; seconds: number[] };
}

export async function run(): Promise<BenchResult> {
  const timing = {
    warmupMs: envInt('BENCH_WARMUP_MS', 400, 0),
    windows: envInt('BENCH_WINDOWS', 5, 1),
    windowMs: envInt('BENCH_WINDOW_MS', 300, 10),
  };
  const notes: string[] = [];
  const torchMissing = await torchAvailable();
  let torch: TorchPeak | null = null;
  if (torchMissing == null) {
    const opts = { threads: 2, n: 2048, matmul_n: 1024, warmup: 2, repeats: 5 };
    const { stdout } = await run$(PYTHON, [packageFile('bench', 'torch_matmul_peak.py'), JSON.stringify(opts)], { maxBuffer: 1 << 20 });
    torch = lastJsonLine(stdout) as TorchPeak;
  } else {
    notes.push(`PyTorch reference skipped: ${torchMissing}.`);
  }

  const variants = [
    { variant: 'mul-add' as const, label: 'f32x4.mul + f32x4.add (SIMD128)', flags: [] as string[] },
    { variant: 'relaxed-madd' as const, label: `f32x4.relaxed_madd FMA (relaxed SIMD, ${RELAXED_FLAG})`, flags: [RELAXED_FLAG] },
  ];
  const measured: PeakMeasurement[] = [];
  const rows: BenchRow[] = [];
  for (const v of variants) {
    for (const threads of [1, 2]) {
      const m = await measurePeakInChild(v.flags, { variant: v.variant, threads, ...timing });
      if ('error' in m) {
        notes.push(`${v.label}, ${threads} thread(s) skipped: node ${v.flags.join(' ')} refused it (${m.error}).`);
        continue;
      }
      measured.push(m);
      rows.push({
        case: `wasm peak GFLOP/s, ${v.label}, ${threads} thread${threads === 1 ? '' : 's'} (higher is better)`,
        value: m.gflops,
        unit: 'GFLOP/s',
        ...(torch
          ? {
              reference: `PyTorch ${torch.torch} float32 GEMM ${torch.onednn_gemm.n}³ (oneDNN), ${torch.threads} threads`,
              referenceValue: torch.onednn_gemm.gflops,
              ratio: m.gflops / torch.onednn_gemm.gflops,
            }
          : {}),
      });
    }
  }
  if (torch) {
    rows.push({
      case: `PyTorch torch.matmul ${torch.matmul.n}³ GFLOP/s, ${torch.threads} threads, BLAS_INFO=${torch.matmul.blas} (higher is better)`,
      value: torch.matmul.gflops,
      unit: 'GFLOP/s',
      reference: `PyTorch float32 GEMM ${torch.onednn_gemm.n}³ (oneDNN), ${torch.threads} threads`,
      referenceValue: torch.onednn_gemm.gflops,
      ratio: torch.matmul.gflops / torch.onednn_gemm.gflops,
    });
  }

  // How much the tier matters: the same 1-thread mul+add kernel with Liftoff only, and TurboFan only.
  const tierTiming = { ...timing, windows: Math.min(timing.windows, 3) };
  const tiers: Record<string, PeakMeasurement | { error: string }> = {
    liftoff_only: await measurePeakInChild(['--liftoff-only'], { variant: 'mul-add', threads: 1, ...tierTiming }),
    turbofan_only: await measurePeakInChild(['--no-liftoff'], { variant: 'mul-add', threads: 1, ...tierTiming }),
  };
  const gf = (m: PeakMeasurement | { error: string } | undefined) => (m && 'gflops' in m ? `${m.gflops.toFixed(1)} GFLOP/s` : 'not measured');
  const defaultMulAdd = measured.find((m) => m.variant === 'mul-add' && m.threads === 1);

  notes.push(
    'What the wasm figures mean: the highest float32 rate any WebAssembly code can reach in this Node on this CPU — ' +
      `${ACCUMULATORS} independent f32x4 accumulators, no memory traffic, nothing but arithmetic — so a ceiling for any wasm convolution ` +
      '(tfjs-backend-wasm/XNNPACK included): stock SIMD128 has no FMA, so mul+add is the ceiling of a stock build; relaxed_madd the ceiling ' +
      `a relaxed-SIMD build could reach, only behind ${RELAXED_FLAG} in Node 20 (the flag is passed to a child node; ` +
      "v8.setFlagsFromString('--experimental-wasm-relaxed-simd') before compiling also works). 2 threads = two worker threads, each on its own instance, " +
      'their FLOP summed over the same wall time. Each figure is the best of the timed windows after warm-up (window rates in `wasm`).',
  );
  if (torch) {
    notes.push(
      `Native reference: PyTorch ${torch.threads} threads, the ${torch.onednn_gemm.n}³ float32 product run as a 1×1 convolution, i.e. oneDNN's GEMM ` +
        `(best of 5 after 2 warm-ups). ` +
        `torch.matmul itself is not the reference: this Debian python3-torch sends it to the system BLAS (BLAS_INFO=${torch.matmul.blas}, loaded: ` +
        `${torch.matmul.blas_libraries.join(', ') || 'unknown'}), ` +
        `${torch.matmul.gflops.toFixed(1)} GFLOP/s on ${torch.matmul.n}³ (${(torch.matmul.gflops / torch.onednn_gemm.gflops).toFixed(3)}× the oneDNN ` +
        `GEMM), while PyTorch's convolutions run on oneDNN.`,
    );
  }
  notes.push(
    `Tiers (mul+add, 1 thread): default (Liftoff then TurboFan, warmed up) ${gf(defaultMulAdd)}, first call before warm-up ` +
      `${defaultMulAdd ? defaultMulAdd.first_call_gflops.map((g) => g.toFixed(1)).join(' / ') : '?'} GFLOP/s, ` +
      `--liftoff-only ${gf(tiers.liftoff_only)}, --no-liftoff ${gf(tiers.turbofan_only)}. ` +
      'The machine may be shared: other processes only lower these rates. Reproduce: npm run bench -- wasm-peak (BENCH_WINDOWS, BENCH_WINDOW_MS, ' +
      'BENCH_WARMUP_MS, BENCH_PYTHON).',
  );

  const result: BenchResult & { wasm: PeakMeasurement[]; tiers: typeof tiers; native: TorchPeak | null } = {
    name: 'wasm-peak',
    results: rows,
    notes: notes.join(' '),
    wasm: measured,
    tiers,
    native: torch,
  };
  return result;
}

await runWhenMain(import.meta.url, run);
