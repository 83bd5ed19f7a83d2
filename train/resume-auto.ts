/**
 * `tinynet train --resume auto`: continue from `<paths.artifacts>/last.ckpt` when it exists and was
 * written by this same training setup, start fresh when there is none. What a scheduler's requeue
 * needs: the same command line, run again in the same folder, picks up where the last attempt stopped.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { getDotted, type Config } from '../core/config/index.js';
import { TinynetError } from '../core/errors.js';
import { readCheckpoint, type CheckpointInfo } from './checkpoint.js';

/** The sections that decide what training computes; the others (grid, serve, export, paths…) may differ between attempts. */
const TRAINING_SECTIONS = ['seed', 'dataset', 'augment', 'model', 'train'] as const;
/** Keys inside those sections that change speed, not results. */
const IGNORED = new Set(['train.threads']);

/** Dotted keys whose values differ between two configs, over the training sections only. */
export function trainingDifferences(a: Config, b: Config): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, key: string) => {
    if (IGNORED.has(key)) return;
    const plain = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (plain(x) && plain(y)) {
      const keys = new Set([...Object.keys(x as object), ...Object.keys(y as object)]);
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${key}.${k}`);
    } else if (!isDeepStrictEqual(x, y)) out.push(key);
  };
  for (const s of TRAINING_SECTIONS) walk(a[s], b[s], s);
  return out;
}

export interface AutoResume {
  /** The checkpoint to continue from, or null to start fresh. */
  file: string | null;
  info: CheckpointInfo | null;
}

/**
 * Find last.ckpt for `config`; refuse (nothing overwritten) when it belongs to another config,
 * naming the keys that differ.
 */
export function findAutoResume(config: Config): AutoResume {
  const file = path.join(config.paths.artifacts, 'last.ckpt');
  if (!existsSync(file)) return { file: null, info: null };
  const info = readCheckpoint(file);
  const diff = trainingDifferences(info.config, config);
  if (diff.length > 0) {
    const shown = diff.slice(0, 6).map((k) => `${k} (checkpoint ${JSON.stringify(getDotted(info.config, k))}, now ${JSON.stringify(getDotted(config, k))})`);
    throw new TinynetError(
      'train.resume_other_config',
      `--resume auto: ${file} was written by another config: ${shown.join(', ')}${diff.length > 6 ? ` and ${diff.length - 6} more` : ''}`,
      `train this config in another folder (--set paths.artifacts=…), or move ${file} away to start over, or resume it with its own config via ` +
        `--resume ${file}`,
    );
  }
  return { file, info };
}
