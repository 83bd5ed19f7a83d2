import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

/** A tiny synthetic project: 4 classes of 16×16 images, a 2-stage model 4/8 wide, the cpu backend. */
export const TINY_YAML = `seed: 42
dataset:
  source: synthetic
  path: data/synth
  image_size: 16
  test_ratio: 0.2
  synthetic: { classes: 4, per_class: 20, val_per_class: 6, seed: 7 }
model: { blocks: [1, 1], widths: [4, 8], dropout: 0.1 }
train: { backend: wasm, epochs: 2, batch_size: 8, lr: 0.01, experiment: tiny }
sanity: { overfit_size: 16, overfit_epochs: 30, overfit_lr: 0.02, initial_loss_tolerance: 0.5 }
lr_finder:
  min_lr: 1.0e-4
  max_lr: 100
  steps: 30
  smoothing: 0.7
  diverge_factor: 2
  mini_grid: { lrs: [1.0e-3, 1.0e-2], weight_decays: [0, 1.0e-3], steps: 4 }
grid: { name: g4, params: { train.lr: [0.003, 0.03], model.dropout: [0, 0.1] }, epochs: 1, max_steps_per_epoch: 2 }
paths: { cache: data/cache, artifacts: artifacts, runs: runs }
`;

export function tinyProject(prefix = 'tinynet-proto-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  writeFileSync(path.join(dir, 'tiny.yaml'), TINY_YAML);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `tinynet <args>` in `cwd` as a user would. */
export function tinynet(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, TINYNET_LOG: 'warn', ...env }, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
