import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TinynetError } from '../core/errors.js';
import { TINY_IMAGENET_CLASSES } from '../core/paths.js';
import type { DatasetConfig } from '../core/config/index.js';

/** One class: its label id, its WordNet-style id, a readable name, and (HF) the label string the parquet stores. */
export interface ClassInfo {
  id: number;
  wnid: string;
  name: string;
  hf_label?: string;
}

const classListSchema = z.array(z.object({ id: z.number().int().nonnegative(), wnid: z.string().min(1), name: z.string(), hf_label: z.string().optional() }));

/** Read and check a class list: ids must be 0..n-1 in order, wnids unique. */
export function loadClassList(file: string): ClassInfo[] {
  if (!existsSync(file)) {
    throw new TinynetError('dataset.classes_missing', `class list not found: ${file}`, 'set dataset.classes to a JSON list of {id, wnid, name}');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TinynetError('dataset.classes_invalid', `class list ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = classListSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TinynetError(
      'dataset.classes_invalid',
      `class list ${file}: entry ${issue.path.join('.')}: ${issue.message}`,
      'each entry needs id (0..n-1 in order), wnid and name',
    );
  }
  const list = parsed.data;
  if (list.length < 2) throw new TinynetError('dataset.classes_invalid', `class list ${file} has ${list.length} classes; need at least 2`);
  const seen = new Set<string>();
  list.forEach((c, i) => {
    if (c.id !== i)
      throw new TinynetError('dataset.classes_invalid', `class list ${file}: entry ${i} has id ${c.id}; ids must be 0..${list.length - 1} in order`);
    if (seen.has(c.wnid)) throw new TinynetError('dataset.classes_invalid', `class list ${file}: wnid ${c.wnid} appears twice`);
    seen.add(c.wnid);
  });
  return list;
}

/**
 * Which class list a dataset uses: the configured file; else a `classes.json` beside the data
 * (what `data synth` writes); else the built-in Tiny ImageNet list.
 */
export function classListFileFor(dataset: DatasetConfig): string {
  if (dataset.classes) return dataset.classes;
  const beside = path.join(dataset.path.endsWith('.zip') ? path.dirname(dataset.path) : dataset.path, 'classes.json');
  if (existsSync(beside)) return beside;
  return TINY_IMAGENET_CLASSES;
}
