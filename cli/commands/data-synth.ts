import type { Command } from 'commander';
import { synthesizeDataset } from '../../dataset/synthetic.js';
import { resolveUserPath } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new TinynetError('cli.bad_option', `${name} must be an integer ≥ ${min} (got "${v}")`);
    return n;
  };
}

export function registerSynth(data: Command): void {
  data
    .command('synth')
    .description('write a deterministic synthetic dataset in the HF parquet layout (+ classes.json)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--classes <n>', 'number of classes', int('--classes', 2), 10)
    .option('--per-class <m>', 'train images per class', int('--per-class', 2), 100)
    .option('--val-per-class <k>', 'val images per class', int('--val-per-class', 1), 20)
    .option('--seed <s>', 'generator seed', int('--seed', 0), 7)
    .option('--size <px>', 'image side in pixels', int('--size', 8), 64)
    .option('--force', 'replace a non-empty --out')
    .action(async (o: { out: string; classes: number; perClass: number; valPerClass: number; seed: number; size: number; force?: boolean }) => {
      const r = await synthesizeDataset({
        out: resolveUserPath(o.out),
        classes: o.classes,
        perClass: o.perClass,
        valPerClass: o.valPerClass,
        seed: o.seed,
        imageSize: o.size,
        force: o.force,
      });
      process.stdout.write(`wrote ${r.train} train + ${r.val} val images of ${r.classes.length} classes to ${r.out}\n`);
    });
}
