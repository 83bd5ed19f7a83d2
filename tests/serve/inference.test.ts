import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InferenceService, type InferenceSettings } from '../../serve/inference.js';
import { writeTinyModel, testImage, referenceProbabilities } from '../helpers/serve-fixtures.js';
import { missingProviderLibrary } from '../../core/onnxruntime-providers.js';

process.env.TINYNET_LOG = 'warn';

const settings = (modelPath: string, over: Partial<InferenceSettings> = {}): InferenceSettings => ({
  modelPath,
  providers: ['cuda', 'cpu'],
  workers: 1,
  threads: 1,
  maxBatch: 8,
  maxDelayMs: 5,
  maxQueue: 64,
  maxInputPixels: 1e7,
  ...over,
});

test('reads the contract from metadata and falls back from CUDA to CPU', async () => {
  const svc = await InferenceService.open(settings(writeTinyModel({ numClasses: 7 })));
  try {
    assert.equal(svc.pool.info.provider, 'cpu');
    // This machine has no CUDA build of onnxruntime: the fallback is decided before any attempt.
    assert.equal(missingProviderLibrary('cpu'), null);
    assert.match(missingProviderLibrary('cuda') ?? '', /libonnxruntime_providers_cuda\.so is not installed/);
    assert.ok(svc.pool.info.fallbacks.some((f) => f.startsWith('cuda: libonnxruntime_providers_cuda.so')));
    assert.equal(svc.info.numClasses, 7);
    assert.equal(svc.info.inputDtype, 'uint8');
    assert.deepEqual([svc.info.height, svc.info.width], [64, 64]);
    assert.equal(svc.info.labels[3].label, 'class number 3');
    assert.equal(svc.info.provenance?.config_hash, 'fixture');
    assert.equal(svc.info.resize, 'center_crop');
  } finally {
    await svc.close();
  }
});

test('batched worker inference equals a plain onnxruntime run', async () => {
  const model = writeTinyModel({ numClasses: 10, seed: 3 });
  const svc = await InferenceService.open(settings(model, { workers: 2 }));
  try {
    const images = await Promise.all([0, 1, 2, 3, 4, 5].map((s) => testImage('png', s)));
    const samples = await Promise.all(images.map((b) => svc.decode(b)));
    const results = await svc.infer(samples as Uint8Array[]);
    const ref = await referenceProbabilities(model, samples as Uint8Array[]);
    results.forEach((r, i) => {
      for (let c = 0; c < 10; c++) assert.ok(Math.abs(r.probabilities[c] - ref[i][c]) < 1e-5);
      assert.ok(r.logits);
    });
    const top = svc.topK(results[0].probabilities, 3);
    assert.equal(top.length, 3);
    assert.ok(top[0].score >= top[1].score && top[1].score >= top[2].score);
  } finally {
    await svc.close();
  }
});

test('a float32-input model without metadata serves with defaults', async () => {
  const svc = await InferenceService.open(settings(writeTinyModel({ inputDtype: 'float32', withMetadata: false, numClasses: 4 })));
  try {
    assert.equal(svc.info.inputDtype, 'float32');
    assert.equal(svc.info.labels[2].label, 'class_2');
    const [r] = await svc.infer([await svc.decode(await testImage('jpeg', 1, 80, 50))]);
    assert.equal(r.probabilities.length, 4);
    assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  } finally {
    await svc.close();
  }
});

test('the HTTP thread stays free while a long batch runs in a worker', async () => {
  // A deliberately heavy model so one batch takes much longer than any event-loop hiccup.
  const svc = await InferenceService.open(settings(writeTinyModel({ width: 32, depth: 3, size: 64 }), { maxBatch: 64, maxQueue: 256 }));
  try {
    const sample = await svc.decode(await testImage('png', 2));
    const h = monitorEventLoopDelay({ resolution: 5 });
    let inferMs = 0;
    svc.onBatch = (s) => (inferMs += s.inferMs);
    h.enable();
    await svc.infer(Array.from({ length: 64 }, () => sample));
    h.disable();
    const maxLagMs = h.max / 1e6;
    // Compared with the batch's own compute time (a ratio, not a wall-clock budget): running on
    // this thread would stall the loop for the whole batch.
    assert.ok(inferMs > 0);
    assert.ok(maxLagMs < inferMs / 2, `event loop stalled ${maxLagMs.toFixed(1)} ms during a ${inferMs.toFixed(1)} ms batch`);
  } finally {
    await svc.close();
  }
});

test('serves a network exported by the real exporter (smoke config, random weights) like onnxruntime does', async () => {
  const { writeSmokeModel } = await import('../helpers/smoke-model.js');
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tinynet-serve-export-')), 'smoke.onnx');
  const { numClasses } = await writeSmokeModel(file);
  const svc = await InferenceService.open(settings(file));
  try {
    assert.equal(svc.info.numClasses, numClasses);
    assert.equal(svc.info.inputDtype, 'uint8');
    assert.equal(svc.info.labels[1].label, 'smoke class 1');
    assert.equal(svc.info.provenance?.source, 'tfjs');
    const samples = await Promise.all([1, 2, 3].map(async (s) => svc.decode(await testImage('png', s, 90, 70))));
    const results = await svc.infer(samples);
    const ref = await referenceProbabilities(file, samples as Uint8Array[]);
    results.forEach((r, i) => {
      ref[i].forEach((p, c) => {
        assert.ok(Math.abs(r.probabilities[c] - p) < 1e-5);
      });
    });
  } finally {
    await svc.close();
  }
});
