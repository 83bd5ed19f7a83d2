import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import decodeJpegWasm, { init } from '@jsquash/jpeg/decode.js';

/**
 * Baseline/progressive JPEG → RGBA with mozjpeg compiled to WebAssembly (@jsquash/jpeg).
 * Why not sharp for these: at 64×64 sharp's per-call cost (options marshalling, libvips pipeline,
 * thread hand-off) is ~0.8 ms CPU per image; the wasm decoder needs ~0.1 ms, which is what lets
 * `prepare` reach thousands of images per second on 2 cores. Anything it cannot decode (CMYK,
 * damaged data) goes to sharp, which also writes the error message.
 */
let ready: Promise<void> | null = null;

// es2023 lib has no WebAssembly typings; this is the one call needed.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;
// The package's d.ts misses the Node form init(module): pass the compiled module so nothing is fetched.
const initWithModule = init as unknown as (module: unknown) => Promise<void>;

function load(): Promise<void> {
  if (!ready) {
    const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    ready = wasm.compile(readFileSync(wasmPath)).then((mod) => initWithModule(mod));
  }
  return ready;
}

export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export async function decodeJpegRgba(bytes: Uint8Array): Promise<Rgba> {
  await load();
  // The codec wants an ArrayBuffer of exactly the file.
  const ab = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  const img = await decodeJpegWasm(ab);
  return { data: img.data, width: img.width, height: img.height };
}
