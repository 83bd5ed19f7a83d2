import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { validateConfig } from '../../core/config/index.js';
import { augmentUint8Batch } from '../../dataset/recipe.js';
import { applyPolicy } from '../../dataset/policy/policy.js';
import '../helpers/dataset-config.js';

const B = 4,
  H = 8,
  W = 8,
  K = 3;
const norm = { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3], numClasses: K };
const rng = new Rng(1);
const u8 = Uint8Array.from({ length: B * H * W * 3 }, () => rng.int(256));
const labels = Int32Array.from([0, 1, 2, 1]);
const augment = (a: Record<string, unknown>) => validateConfig({ augment: a }).config.augment;

test('a batch through the pixel stages with nothing to do equals the tensor path, and carries the smoothed one-hot targets', async () => {
  const plain = augmentUint8Batch(u8, labels, H, W, augment({}), norm, new Rng(3));
  const unmixed = augmentUint8Batch(u8, labels, H, W, augment({ mix: { mixup_alpha: 1, prob: 0, label_smoothing: 0.3 } }), norm, new Rng(3));
  assert.equal(plain.targets, null);
  const [a, b] = [plain.x.dataSync(), unmixed.x.dataSync()];
  a.forEach((v, i) => {
    assert.ok(Math.abs(v - b[i]) < 1e-5, `value ${i}: ${v} vs ${b[i]}`);
  });
  const off = 0.1,
    on = 0.8;
  assert.deepEqual(
    Array.from(unmixed.targets!).map((v) => Number(v.toFixed(6))),
    [...labels].flatMap((y) => [0, 1, 2].map((k) => (k === y ? on : off))),
  );
  plain.x.dispose();
  unmixed.x.dispose();
});

test('the policy sees the cropped image as uint8 and its result is what gets normalized', async () => {
  const cfg = augment({
    hflip: 0,
    random_resized_crop: { enabled: false },
    color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 },
    policy: { name: 'randaugment', num_ops: 1, magnitude: 30 },
  });
  const out = augmentUint8Batch(u8, labels, H, W, cfg, norm, new Rng(5));
  assert.equal(out.params.policy.length, B);
  const x = out.x.dataSync();
  // Whatever ops were drawn, recomputed on the uint8 image (no crop, flip or jitter: the image itself).
  const px = H * W * 3;
  for (let i = 0; i < B; i++) {
    const want = applyPolicy(u8.subarray(i * px, (i + 1) * px), H, W, out.params.policy[i]);
    for (let p = 0; p < px; p++) assert.ok(Math.abs(x[i * px + p] - (want[p] / 255 - norm.mean[p % 3]) / norm.std[p % 3]) < 1e-5);
  }
  out.x.dispose();
});
