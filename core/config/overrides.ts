import YAML from 'yaml';
import { TinynetError } from '../errors.js';

/**
 * Apply `--set a.b.c=value` overrides to a plain config object. The value is read as YAML, so
 * `--set model.blocks=[2,2,2]`, `--set train.lr=3e-4` and `--set augment.enabled=false` all work.
 */
export function applyOverrides(raw: Record<string, unknown>, sets: string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const item of sets) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new TinynetError('config.bad_override', `--set "${item}" is not of the form key=value`, 'e.g. --set train.lr=3e-4');
    }
    const key = item.slice(0, eq).trim();
    const value = parseValue(item.slice(eq + 1));
    setDotted(out, key, value);
  }
  return out;
}

export function parseValue(text: string): unknown {
  try {
    return YAML.parse(text);
  } catch {
    return text;
  }
}

/** Set `a.b.c` in a nested object, creating intermediate objects. */
export function setDotted(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null) {
      node[part] = {};
    } else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new TinynetError('config.bad_override', `cannot set "${key}": "${part}" is a value, not a section`);
    }
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

export function getDotted(source: unknown, key: string): unknown {
  let node = source;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
