import { z } from 'zod';
import { MONITORED_METRICS } from '../../monitored-metric.js';

/** What `tinynet grid --executor slurm` asks Slurm for, per array task (one trial each). */
const slurmSection = z.strictObject({
  /** `--partition`; empty = the cluster's default partition. */
  partition: z.string().default(''),
  /** `--time` per trial, in Slurm's format (`MM`, `HH:MM:SS`, `D-HH`…). */
  time: z
    .string()
    .regex(/^[\d:-]+$/, 'a Slurm time such as 30, 02:00:00 or 1-00')
    .default('01:00:00'),
  cpus_per_task: z.number().int().min(1).default(2),
  /** `--mem`, e.g. `4G`; empty = the partition's default. */
  mem: z
    .string()
    .regex(/^(\d+[KMGT]?)?$/, 'a Slurm memory size such as 4G or 4000M')
    .default(''),
  /** `--gres`, e.g. `gpu:1`; empty = none. */
  gres: z.string().default(''),
  /** Seconds before the time limit at which Slurm warns the trial (SIGUSR2): it saves last.ckpt and requeues itself. */
  signal_seconds: z.number().int().min(10).max(65535).default(120),
  /** Array tasks running at once (`--array=…%N`); 0 = no limit. */
  max_running: z.number().int().nonnegative().default(0),
  /** More `#SBATCH` options, as written after `#SBATCH ` (e.g. `--account=lab`, `--qos=short`). */
  extra_sbatch: z.array(z.string().regex(/^--?[A-Za-z]/, 'an sbatch option such as --account=lab')).default([]),
});

/** `tinynet grid` (course report M5): every combination of `params` (dotted config keys → values). */
export const gridSection = z.strictObject({
  /** Folder name under <paths.runs>/grid/. */
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, _ . - only')
    .default('grid'),
  /** Dotted config keys → values to try (default: the course report's M5 grid). */
  params: z.record(z.string(), z.array(z.unknown()).min(1)).default({
    'train.lr': [1e-4],
    'train.weight_decay': [1e-4],
    'model.blocks': [
      [2, 2, 2],
      [3, 3, 3],
    ],
    'model.dropout': [0.1, 0.3],
  }),
  /** Epochs per trial (seed: 15). */
  epochs: z.number().int().min(1).default(15),
  max_steps_per_epoch: z.number().int().nonnegative().default(0),
  metric: z.enum(MONITORED_METRICS).default('val/accuracy'),
  /** Where the trials run: here (`local`) or as one Slurm job array (`slurm`). */
  executor: z.enum(['local', 'slurm']).default('local'),
  /** Local executor: trials training at once, each in its own process. */
  parallel: z.number().int().min(1).max(64).default(1),
  slurm: slurmSection.prefault({}),
});
