/**
 * What the benchmarks share for running measurements in child processes (a fresh wasm backend, V8
 * flags, PyTorch): the last JSON line of a child's output, Debian's Python with torch, env figures.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

export const run$ = promisify(execFile);

/** Debian's interpreter (where python3-torch installs), not a pyenv shim on PATH; BENCH_PYTHON overrides it. */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** Children print progress, then one JSON object on the last line that starts with `{`. */
export function lastJsonLine(stdout: string): unknown {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (line == null) throw new Error(`no JSON in output: ${stdout.slice(-500)}`);
  return JSON.parse(line);
}

/** null when `import torch` works in PYTHON, else why not (for the bench's notes). */
export async function torchAvailable(): Promise<string | null> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    await run$(PYTHON, ['-c', 'import torch']);
    return null;
  } catch {
    return 'python3-torch is not installed (apt-get install -y python3-torch)';
  }
}

/** An integer ≥ min from the environment, or the fallback when unset or invalid. */
export function envInt(name: string, fallback: number, min = 1): number {
  const v = Number(process.env[name]);
  return process.env[name] != null && Number.isInteger(v) && v >= min ? v : fallback;
}

/** Comma-separated integers ≥ min from the environment, or the fallback when unset or invalid. */
export function envList(name: string, fallback: number[], min = 1): number[] {
  const raw = process.env[name];
  const values = raw
    ? raw
        .split(',')
        .map((s) => Number(s.trim()))
        .filter((n) => Number.isInteger(n) && n >= min)
    : [];
  return values.length ? values : fallback;
}
