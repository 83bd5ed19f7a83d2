import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelsToSample, stackSamples, inputDims, softmaxRows } from '../../serve/model/input-tensor.js';
import type { ModelInfo } from '../../serve/model/model-info.js';

const base = { height: 1, width: 2, channels: 3, numClasses: 2 } as const;

test('a float NCHW model gets (pixel · scale − mean) / std in planar order', () => {
  const info = {
    ...base,
    inputDtype: 'float32',
    layout: 'nchw',
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1], pixelScale: 1 / 255 },
  } as unknown as ModelInfo;
  const px = new Uint8Array([255, 0, 255, 0, 255, 0]); // two pixels: magenta, green
  const s = pixelsToSample(px, info) as Float32Array;
  assert.deepEqual([...s], [2, -2, -1, 1, 0.5, -0.5]); // R plane, G plane, B plane
  assert.deepEqual(inputDims(info, 4), [4, 3, 1, 2]);
});

test('a uint8 model takes the pixels untouched; batches stack in order', () => {
  const info = { ...base, inputDtype: 'uint8', layout: 'nhwc', normalization: null } as unknown as ModelInfo;
  const a = new Uint8Array([1, 2, 3, 4, 5, 6]);
  assert.equal(pixelsToSample(a, info), a);
  const batch = stackSamples([a, new Uint8Array(6).fill(9)], info);
  assert.deepEqual([...batch], [1, 2, 3, 4, 5, 6, 9, 9, 9, 9, 9, 9]);
  const p = softmaxRows(new Float32Array([0, 0, 1000, 0]), 2);
  assert.deepEqual([...p], [0.5, 0.5, 1, 0]);
});
