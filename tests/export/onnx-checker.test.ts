/**
 * ONNX's own checker (full check + strict shape inference) on exported files — the float exports
 * of every input mode and their int8 (QDQ) and float16 variants — when the Python `onnx` package is
 * present (Debian: apt-get install python3-onnx). Skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportLayersModel } from '../../export/exporter.js';
import { tinyResNet, TINY_DATASET } from './fixtures.js';
import { cpuBackend } from '../helpers/export-parity.js';
import { quantizeInt8 } from '../../export/precision/int8.js';
import { convertToFloat16 } from '../../export/precision/float16.js';
import { serializeVariant } from '../../export/precision/variant.js';

// Run away from the repo root: `python -c` puts the working directory first on sys.path, where
// the repo's own onnx/ folder would pass for the onnx package.
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import onnx.checker'], { stdio: 'ignore', cwd: tmpdir() }).status === 0);

test('exported files pass onnx.checker (full_check) and strict shape inference', {
  skip: python ? false : 'python3 with the onnx package not found',
}, async () => {
  await cpuBackend();
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-check-'));
  const { model } = tinyResNet();
  const files = (['uint8-nhwc', 'float32-nchw', 'float32-nhwc'] as const).map((input) => {
    const file = path.join(dir, `${input}.onnx`);
    writeFileSync(file, exportLayersModel(model, { dataset: TINY_DATASET, input, foldBatchNorm: input !== 'float32-nchw' }).bytes);
    return file;
  });
  const float = exportLayersModel(model, { dataset: TINY_DATASET });
  const [, h, w] = model.inputs[0].shape as number[];
  const images = Uint8Array.from({ length: 8 * h * w * 3 }, (_, i) => (i * 131) & 255);
  const int8 = await quantizeInt8(float.graph, { images, n: 8, height: h, width: w, channels: 3 }, { method: 'minmax', activations: 'uint8' });
  for (const [name, graph] of [
    ['int8', int8.graph],
    ['fp16', convertToFloat16(float.graph).graph],
  ] as const) {
    const file = path.join(dir, `${name}.onnx`);
    writeFileSync(file, serializeVariant(float, graph, { precision: name }));
    files.push(file);
  }
  const script =
    'import onnx, sys\nfor f in sys.argv[1:]:\n    m = onnx.load(f)\n    onnx.checker.check_model(m, full_check=True)\n    ' +
    'onnx.shape_inference.infer_shapes(m, strict_mode=True)\nprint("ok")';
  const out = execFileSync(python!, ['-c', script, ...files], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal(out.trim(), 'ok');
});
