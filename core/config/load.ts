import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { applyOverrides } from './overrides.js';
import { TinynetError } from '../errors.js';
import { resolveUserPath } from '../paths.js';

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the built-in defaults. */
  file: string | null;
  /** sha256 of the resolved config, for provenance (checkpoints, ONNX metadata, grid trial names). */
  hash: string;
}

/** Read, override, validate and resolve a config. `file` null = built-in defaults. */
export function loadConfig(file: string | null, sets: string[] = [], cwd = process.cwd()): LoadedConfig {
  let raw: Record<string, unknown> = {};
  let abs: string | null = null;
  if (file) {
    abs = resolveUserPath(file, cwd);
    if (!existsSync(abs)) {
      throw new TinynetError('config.not_found', `config file not found: ${abs}`, 'pass --config with an existing YAML file, e.g. configs/smoke.yaml');
    }
    raw = parseYaml(readFileSync(abs, 'utf8'), abs);
  }
  return validateConfig(applyOverrides(raw, sets), abs, cwd);
}

/** Keys earlier versions wrote that this one no longer reads; a config stored in a checkpoint may hold them. */
const RETIRED_KEYS: Array<[section: string, key: string]> = [['export', 'opset']];

/**
 * A resolved config stored in a checkpoint (by this or an earlier tinynet), with `--set`
 * overrides on top: retired keys dropped, then validated like a file.
 */
export function storedConfig(stored: unknown, sets: string[] = [], cwd = process.cwd()): LoadedConfig {
  const raw = structuredClone((stored ?? {}) as Record<string, Record<string, unknown> | undefined>);
  for (const [section, key] of RETIRED_KEYS) {
    const s = raw[section];
    if (s && typeof s === 'object') delete s[key];
  }
  return validateConfig(applyOverrides(raw as Record<string, unknown>, sets), null, cwd);
}

function parseYaml(text: string, where: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new TinynetError('config.bad_yaml', `${where} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new TinynetError('config.bad_yaml', `${where} must be a YAML mapping of sections (dataset:, model:, train: ...)`);
  }
  return doc as Record<string, unknown>;
}

/** Validate a plain object as a config; paths resolve against `cwd`. */
export function validateConfig(raw: unknown, file: string | null = null, cwd = process.cwd()): LoadedConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TinynetError('config.invalid', formatIssues(parsed.error, raw, file));
  }
  const config = resolvePaths(parsed.data, cwd);
  const hash = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  return { config, file, hash };
}

function resolvePaths(config: Config, cwd: string): Config {
  const out = structuredClone(config);
  out.paths.cache = resolveUserPath(out.paths.cache, cwd);
  out.paths.artifacts = resolveUserPath(out.paths.artifacts, cwd);
  out.paths.runs = resolveUserPath(out.paths.runs, cwd);
  out.dataset.path = resolveUserPath(out.dataset.path, cwd);
  if (out.dataset.classes) out.dataset.classes = resolveUserPath(out.dataset.classes, cwd);
  if (out.dataset.files) {
    out.dataset.files.train = out.dataset.files.train.map((f) => resolveUserPath(f, cwd));
    out.dataset.files.val = out.dataset.files.val.map((f) => resolveUserPath(f, cwd));
  }
  return out;
}

function describeValue(raw: unknown, keyPath: PropertyKey[]): string {
  let node = raw;
  for (const k of keyPath) {
    if (node === null || typeof node !== 'object') return 'nothing';
    node = (node as Record<PropertyKey, unknown>)[k as string];
  }
  return node === undefined ? 'nothing' : JSON.stringify(node);
}

/** One line per problem: the dotted key, the value given, and what is accepted. */
function formatIssues(error: z.ZodError, raw: unknown, file: string | null): string {
  const where = file ? ` in ${path.basename(file)}` : '';
  const lines = error.issues.map((issue) => {
    const key = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const parentShape = shapeAt(issue.path);
      const accepted = parentShape ? ` (accepted: ${parentShape.join(', ')})` : '';
      return issue.keys.map((k) => `unknown config key "${key ? `${key}.` : ''}${k}"${accepted}`).join('\n');
    }
    const given = describeValue(raw, issue.path);
    return `config key "${key}": got ${given}; ${acceptedText(issue)}`;
  });
  return `invalid configuration${where}:\n  ${lines.join('\n  ')}`;
}

function acceptedText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `accepted: ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

/** The keys a section accepts, for "did you mean" style messages. */
function shapeAt(keyPath: PropertyKey[]): string[] | null {
  let schema: z.ZodType = configSchema;
  for (const k of keyPath) {
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) return null;
    const next = (inner.shape as Record<string, z.ZodType>)[k as string];
    if (!next) return null;
    schema = next;
  }
  const obj = unwrap(schema);
  return obj instanceof z.ZodObject ? Object.keys(obj.shape) : null;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 8; i++) {
    const def = (s as unknown as { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
    if (def.innerType) s = def.innerType;
    else if (def.in) s = def.in;
    else break;
  }
  return s;
}
