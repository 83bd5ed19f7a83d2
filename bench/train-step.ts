/**
 * Images/s of one training step and of inference for the seed model ([3,3,3], widths 64/128/256,
 * 64×64×3, 200 classes, batch 32, Adam) on the wasm backend — with 2 threads and with 1 — next to
 * the same network in PyTorch CPU (2 threads) measured in the same run, as ratios. PyTorch is the
 * Debian `python3-torch` under /usr/bin/python3; when it is absent that half is skipped.
 * wasm32 cannot hold a full batch of 32 of this model (4 GiB heap), so the step accumulates
 * gradients over micro-batches (8 by default; BatchNorm statistics are then per micro-batch).
 * Env: BENCH_THREADS (default "2,1"), BENCH_MICRO_BATCH (8), BENCH_WARMUP (1), BENCH_STEPS (3),
 * BENCH_BLOCKS (e.g. "2,2,2"). Run: npm run build && node dist/bench/train-step.js
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { packageFile } from '../core/paths.js';
import { SEED_MODEL } from './seed-model.js';

const run$ = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Rate {
  images_per_s: number;
  step_s: number[];
}
interface EngineResult {
  engine: string;
  threads: number;
  train: Rate;
  inference: Rate;
  [extra: string]: unknown;
}

export interface BenchResult {
  name: string;
  machine?: Record<string, unknown>;
  results: Record<string, unknown>[];
  notes?: string;
}

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  return raw ? raw.split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n > 0) : fallback;
}

function lastJsonLine(stdout: string): unknown {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line == null) throw new Error(`no JSON in output: ${stdout.slice(-500)}`);
  return JSON.parse(line);
}

async function torchAvailable(): Promise<string | null> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    await run$(PYTHON, ['-c', 'import torch']);
    return null;
  } catch {
    return 'python3-torch is not installed (apt-get install -y python3-torch)';
  }
}

export async function run(): Promise<BenchResult> {
  const blocks = envList('BENCH_BLOCKS', SEED_MODEL.blocks);
  const common = {
    ...SEED_MODEL,
    blocks,
    batch: 32,
    warmup: envList('BENCH_WARMUP', [1])[0],
    steps: envList('BENCH_STEPS', [3])[0],
  };
  const microBatch = envList('BENCH_MICRO_BATCH', [8])[0];
  const results: EngineResult[] = [];
  const notes: string[] = [];

  const torchMissing = await torchAvailable();
  const measureTorch = async () => {
    const { stdout } = await run$(PYTHON, [packageFile('bench', 'torch_train_step.py'), JSON.stringify({ ...common, threads: 2 })], {
      maxBuffer: 1 << 20,
    });
    const r = lastJsonLine(stdout) as { torch: string; threads: number; train: Rate; inference: Rate };
    results.push({ engine: `pytorch ${r.torch} cpu`, threads: r.threads, train: r.train, inference: r.inference, batch: 32 });
  };
  // PyTorch first and wasm after, so a machine busy with other work affects both similarly.
  if (torchMissing == null) await measureTorch();
  else notes.push(`PyTorch half skipped: ${torchMissing}.`);

  for (const threads of envList('BENCH_THREADS', [2, 1])) {
    const { stdout } = await run$(process.execPath, [path.join(HERE, 'train-step-wasm.js'), JSON.stringify({ ...common, threads, microBatch })], {
      maxBuffer: 1 << 20,
      env: { ...process.env, TINYNET_LOG: 'warn' },
    });
    const r = lastJsonLine(stdout) as EngineResult & { backend: string };
    results.push({ ...r, engine: `tfjs-wasm (${r.backend})`, batch: 32 });
  }

  const torch = results.find((r) => r.engine.startsWith('pytorch'));
  const rows = results.map((r) => ({
    ...r,
    train_vs_pytorch: torch ? r.train.images_per_s / torch.train.images_per_s : null,
    inference_vs_pytorch: torch ? r.inference.images_per_s / torch.inference.images_per_s : null,
  }));
  const wasm2 = results.find((r) => r.engine.startsWith('tfjs-wasm') && r.threads === 2);
  const wasm1 = results.find((r) => r.engine.startsWith('tfjs-wasm') && r.threads === 1);
  if (wasm2 && wasm1) {
    notes.push(
      `wasm 2 threads vs 1: training ${(wasm2.train.images_per_s / wasm1.train.images_per_s).toFixed(2)}×, ` +
        `inference ${(wasm2.inference.images_per_s / wasm1.inference.images_per_s).toFixed(2)}×.`,
    );
  }
  notes.push(
    `Model [${blocks}] × widths ${SEED_MODEL.widths}, ${SEED_MODEL.size}×${SEED_MODEL.size}×3, ${SEED_MODEL.classes} classes, batch 32; ` +
      `wasm training accumulates gradients over micro-batches of ${microBatch} (a full batch of 32 does not fit the 4 GiB wasm32 heap). ` +
      `${common.warmup} warm-up + ${common.steps} timed steps each; the machine may be shared, so read the ratios, not the absolute figures.`,
  );
  const result: BenchResult = {
    name: 'train-step',
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, date: new Date().toISOString() },
    results: rows,
    notes: notes.join(' '),
  };
  const dir = packageFile('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train-step.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run();
  for (const r of result.results) {
    const train = (r.train as Rate).images_per_s.toFixed(2);
    const inference = (r.inference as Rate).images_per_s.toFixed(2);
    const ratio = r.train_vs_pytorch == null ? '' : ` (train ${(r.train_vs_pytorch as number).toFixed(2)}× / inference ${(r.inference_vs_pytorch as number).toFixed(2)}× PyTorch)`;
    console.log(`${r.engine} threads=${r.threads}: train ${train} img/s, inference ${inference} img/s${ratio}`);
  }
  console.log(result.notes);
}
