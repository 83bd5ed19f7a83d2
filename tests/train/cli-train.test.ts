import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { loadCheckpoint } from '../../train/checkpoint.js';

/** A tiny synthetic run (16 px, 3 classes, a 4-channel one-block model) on the cpu backend. */
function workspace(epochs: number, backend = 'cpu'): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinynet-cli-train-'));
  const config = path.join(dir, 'tiny.yaml');
  writeFileSync(
    config,
    [
      'seed: 5',
      'dataset: { source: synthetic, path: data/synth, image_size: 16, test_ratio: 0.2, synthetic: { classes: 3, per_class: 10, val_per_class: 4, seed: 1 } }',
      'augment: { enabled: true }',
      'model: { blocks: [1], widths: [4], dropout: 0.1 }',
      `train: { backend: ${backend}, experiment: tiny, epochs: ${epochs}, batch_size: 8, lr: 0.01, schedule: { name: cosine } }`,
      'paths: { cache: data/cache, artifacts: artifacts, runs: runs }',
    ].join('\n'),
  );
  return { dir, config };
}

function tinynet(
  args: string[],
  cwd: string,
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist/cli/main.js'), ...args], { cwd, env: { ...process.env, TINYNET_LOG: 'info' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('tinynet train with backend auto trains on onnxruntime and says so in one line, with the peak memory per epoch', async () => {
  const { dir, config } = workspace(1, 'auto');
  const run = await tinynet(['train', '--config', config], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /\[backend\] backend onnxruntime · provider cpu · threads \d+ · device CPU \(onnxruntime-node native kernels, \d+ threads?\)/);
  assert.match(run.stderr, / · CUDA provider not used: libonnxruntime_providers_cuda\.so is not installed/);
  assert.match(run.stderr, /epoch 1\/1 .*, peak RSS [\d.]+ GiB/);
  const last = await loadCheckpoint(path.join(dir, 'artifacts/last.ckpt'));
  assert.equal(last.backend, 'onnxruntime');
  last.model.dispose();
});

test('tinynet train: checkpoints, TensorBoard files, then --resume continues to a larger budget', async () => {
  const { dir, config } = workspace(2);
  const first = await tinynet(['train', '--config', config], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /epoch 2\/2 train loss [\d.]+ acc [\d.]+ \| val loss [\d.]+ acc [\d.]+ top5 [\d.]+ f1 [\d.]+ \| lr [\d.e+-]+ \| [\d.]+ img\/s/);
  assert.ok(existsSync(path.join(dir, 'artifacts/best.ckpt')));
  assert.ok(readdirSync(path.join(dir, 'runs/tiny')).some((f) => f.startsWith('events.out.tfevents.')));
  const last = await loadCheckpoint(path.join(dir, 'artifacts/last.ckpt'));
  assert.equal(last.epoch, 2);
  assert.equal(last.meta?.num_classes, 3);
  last.model.dispose();

  const again = await tinynet(['train', '--config', config, '--resume', 'artifacts/last.ckpt'], dir);
  assert.equal(again.code, 2, 'nothing left to do is a clear error');
  assert.match(again.stderr, /already completed 2 of 2 epochs/);

  const more = await tinynet(['train', '--resume', 'artifacts/last.ckpt', '--set', 'train.epochs=3'], dir);
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stderr, /resuming at epoch 3/);
  const resumed = await loadCheckpoint(path.join(dir, 'artifacts/last.ckpt'));
  assert.equal(resumed.epoch, 3);
  assert.equal(resumed.history.length, 3);
  resumed.model.dispose();
});

test('SIGINT saves last.ckpt and exits 130; a damaged --resume file is refused', async () => {
  const { dir, config } = workspace(500);
  let sent = false;
  const run = await tinynet(['train', '--config', config], dir, (text, child) => {
    // After the first epoch line (so the run is surely inside the loop), interrupt it.
    if (!sent && /epoch 1\/500 train loss/.test(text)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  assert.ok(sent, run.stderr);
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stderr, /interrupted: saved .*last\.ckpt/);
  const ckpt = await loadCheckpoint(path.join(dir, 'artifacts/last.ckpt'));
  assert.ok(ckpt.epoch >= 1 && ckpt.epoch < 500);
  ckpt.model.dispose();

  writeFileSync(path.join(dir, 'artifacts/bad.ckpt'), 'garbage');
  const bad = await tinynet(['train', '--resume', 'artifacts/bad.ckpt'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a tinynet checkpoint/);
});

test('a diverging run stops on the first non-finite loss with a clear message and exit code 1', async () => {
  const { dir, config } = workspace(3);
  const run = await tinynet(['train', '--config', config, '--set', 'train.lr=1e12', '--set', 'train.schedule.name=constant'], dir);
  assert.equal(run.code, 1, run.stderr);
  // With BatchNorm the train loss stays finite (~1e24) while inference overflows: the epoch-end check catches it.
  assert.match(run.stderr, /error: training stopped: (validation loss NaN after epoch 1|(loss|gradient norm) (NaN|-?Infinity) at epoch 1)/);
  assert.match(run.stderr, /done \(non_finite\)/);
  assert.ok(!existsSync(path.join(dir, 'artifacts/best.ckpt')) && !existsSync(path.join(dir, 'artifacts/last.ckpt')), 'nothing saved from a broken epoch');
});
