#!/usr/bin/env node
// Assembles kernels.wat (beside this file, with the binary ops of binary-ops.mjs) into dist/train/backend/wasm-kernels/simd/: kernels-shared.wasm
// imports a shared memory (the threaded tfjs module's), kernels.wasm a plain one. Run by `npm run build`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { binaryOpsWat } from './binary-ops.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const out = path.join(root, 'dist/train/backend/wasm-kernels/simd');
const source = readFileSync(path.join(here, 'kernels.wat'), 'utf8').replace(';; BINARY_OPS', `;; BINARY_OPS${binaryOpsWat()}`);
const wabt = await wabtInit();
mkdirSync(out, { recursive: true });
// A shared memory import must state a maximum (any actual maximum up to 4 GiB fits); a plain one must not.
for (const [name, limits] of [
  ['kernels-shared.wasm', '65536 shared'],
  ['kernels.wasm', ''],
]) {
  const features = { simd: true, threads: true };
  const module = wabt.parseWat('kernels.wat', source.replace('MEMORY_LIMITS', limits), features);
  module.validate(features);
  writeFileSync(path.join(out, name), Buffer.from(module.toBinary({}).buffer));
  module.destroy();
}
console.log(`simd kernels: ${path.relative(root, out)}/{kernels,kernels-shared}.wasm`);
