import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createLogger } from '../log.js';

/**
 * Baseline/progressive JPEG → RGBA with mozjpeg compiled to WebAssembly (@jsquash/jpeg), for the
 * images that need no resize, rotation or alpha (all of Tiny ImageNet). Why not sharp for these:
 * at 64×64 sharp's per-call cost (options marshalling, libvips pipeline, thread hand-off) is
 * ~0.8 ms CPU per image; the wasm decoder needs ~0.1 ms, which is what lets `data prepare` reach
 * thousands of images per second on 2 cores. If the package is missing (a partial install),
 * everything goes to sharp: slower, same pixels.
 */
type WasmDecode = (data: ArrayBuffer) => Promise<{ data: Uint8ClampedArray; width: number; height: number }>;

let ready: Promise<WasmDecode | null> | null = null;

// es2023 lib has no WebAssembly typings; this is the one call needed.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;

function load(): Promise<WasmDecode | null> {
  if (!ready) {
    ready = (async () => {
      try {
        // A specifier in a variable: the build does not depend on the optional decoder being installed.
        const specifier = '@jsquash/jpeg/decode.js';
        const mod = (await import(specifier)) as { init: unknown; default: unknown };
        const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
        // The package's d.ts misses the Node form init(module): pass the compiled module so nothing is fetched.
        await (mod.init as unknown as (m: unknown) => Promise<void>)(await wasm.compile(readFileSync(wasmPath)));
        return mod.default as unknown as WasmDecode;
      } catch (err) {
        createLogger('image/decode').warn(`wasm JPEG decoder unavailable (${(err as Error).message.split('\n')[0]}); decoding with sharp — run npm install`);
        return null;
      }
    })();
  }
  return ready;
}

export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** The decoded image, or null when the wasm decoder is not installed. Throws on undecodable data. */
export async function decodeJpegRgba(bytes: Uint8Array): Promise<Rgba | null> {
  const decode = await load();
  if (!decode) return null;
  // The codec wants an ArrayBuffer of exactly the file.
  const ab = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  const img = await decode(ab);
  return { data: img.data, width: img.width, height: img.height };
}
