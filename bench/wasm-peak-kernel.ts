/**
 * The WebAssembly kernel of bench/wasm-peak.ts: `run(n, m, c)` updates ACCUMULATORS independent
 * f32x4 accumulators n times, each update one multiply and one add per lane:
 * - 'mul-add' (stock SIMD128, which has no FMA): acc = acc * m + c, f32x4.mul then f32x4.add;
 * - 'relaxed-madd' (relaxed SIMD): acc = m * c + acc, one f32x4.relaxed_madd with the accumulator
 *   as the addend — the form of a GEMM micro-kernel (XNNPACK's vacc = relaxed_madd(va, vb, vacc)),
 *   which V8 (Node 20, x64) emits as one vfmadd231ps per update, no register moves (checked with
 *   --print-wasm-code; 'mul-add' is likewise one vmulps + one vaddps per update).
 * The multiply of 'mul-add' feeds the add of the same chain, so TurboFan cannot hoist it out of the
 * loop; relaxed_madd is one instruction, so its loop-invariant m * c cannot be hoisted either. The accumulators live in the
 * module's memory (loaded at the start of a call, stored at the end), so the caller sets their
 * starting values, reads the result, and nothing can be optimised away.
 * Assembled from WAT with wabt, so the instructions timed are exactly the ones written here.
 */
import wabt from 'wabt';

export type PeakVariant = 'mul-add' | 'relaxed-madd';

/**
 * 12 chains hide the 8-cycle mul→add latency at 2 vector ops per cycle (and FMA's 4 cycles), and
 * 12 + m + c = 14 v128 registers still fit V8's 15 allocatable xmm registers on x64 (xmm15 is its
 * scratch) — 16 accumulators would spill to the stack inside the loop.
 */
export const ACCUMULATORS = 12;
export const LANES = 4;
/** Both variants count 2 FLOP per lane per update (a multiply and an add, fused or not). */
export const FLOP_PER_ITERATION = ACCUMULATORS * LANES * 2;

/** WAT text of the kernel module: memory "memory" (one page) and `run(n: i32, m: f32, c: f32)`. */
export function peakKernelWat(variant: PeakVariant, accumulators = ACCUMULATORS): string {
  const accs = Array.from({ length: accumulators }, (_, k) => k);
  const update = (k: number) =>
    variant === 'mul-add'
      ? `(local.set $a${k} (f32x4.add (f32x4.mul (local.get $a${k}) (local.get $m)) (local.get $c)))`
      : `(local.set $a${k} (f32x4.relaxed_madd (local.get $m) (local.get $c) (local.get $a${k})))`;
  return `(module
  (memory (export "memory") 1)
  (func (export "run") (param $n i32) (param $ms f32) (param $cs f32)
    (local $m v128) (local $c v128)
    ${accs.map((k) => `(local $a${k} v128)`).join(' ')}
    (local.set $m (f32x4.splat (local.get $ms)))
    (local.set $c (f32x4.splat (local.get $cs)))
    ${accs.map((k) => `(local.set $a${k} (v128.load offset=${k * 16} (i32.const 0)))`).join('\n    ')}
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $next
        ${accs.map(update).join('\n        ')}
        (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    ${accs.map((k) => `(v128.store offset=${k * 16} (i32.const 0) (local.get $a${k}))`).join('\n    ')}))
`;
}

/** The kernel as a wasm binary (wabt parses with SIMD and relaxed SIMD enabled). */
export async function assemblePeakKernel(variant: PeakVariant, accumulators = ACCUMULATORS): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat(`wasm-peak-${variant}.wat`, peakKernelWat(variant, accumulators), { simd: true, relaxed_simd: true });
  try {
    mod.resolveNames();
    mod.validate();
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

export interface PeakKernel {
  /** n updates of every accumulator. */
  run(n: number, m: number, c: number): void;
  /** The accumulators, ACCUMULATORS × LANES floats, a view on the module's memory. */
  accumulators: Float32Array;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiles the kernel; throws (e.g. "simd opcode not available") when V8 lacks a feature it uses. */
export function compilePeakKernel(bytes: Uint8Array): object {
  return new wasmApi.Module(bytes);
}

export function instantiatePeakKernel(module: object, accumulators = ACCUMULATORS): PeakKernel {
  const { exports } = new wasmApi.Instance(module, {});
  const memory = exports.memory as { buffer: ArrayBuffer };
  return {
    run: exports.run as (n: number, m: number, c: number) => void,
    accumulators: new Float32Array(memory.buffer, 0, accumulators * LANES),
  };
}
