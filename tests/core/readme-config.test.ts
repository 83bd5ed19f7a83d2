/**
 * README's configuration table against the schema: every key the config accepts is listed, and
 * every key the table names exists. Values and defaults sit in parentheses after their key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { configSchema } from '../../core/config/schema.js';
import { PACKAGE_ROOT } from '../../core/paths.js';

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> };

/** Dotted paths of every leaf key of the schema. */
function leafKeys(schema: z.ZodType, prefix = ''): string[] {
  let def = (schema as unknown as { def: Def }).def;
  while (['default', 'prefault', 'optional', 'nullable'].includes(def.type)) def = (def.innerType as unknown as { def: Def }).def;
  if (def.type !== 'object') return [prefix];
  return Object.entries(def.shape!).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

/** Text with every parenthesised part removed (nested ones too). */
function withoutParentheses(s: string): string {
  let out = '';
  let depth = 0;
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

test("README's configuration table names every config key and only those", () => {
  const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| section | keys (defaults) |'));
  const lines = table.split('\n').slice(2);
  const rows = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('|')),
  );
  const named = new Set<string>();
  for (const row of rows) {
    const [, section, keys] = row
      .replaceAll('\\|', '/')
      .split('|')
      .map((c) => c.trim());
    const sec = section.replaceAll('`', '');
    if (/^\d/.test(keys)) named.add(sec);
    for (const [, token] of withoutParentheses(keys).matchAll(/`([^`]+)`/g)) {
      const group = /^(.*)\.\{(.+)\}$/.exec(token);
      // `a.{b,c [1,2]}`: keys b and c under a (a default may follow a key in brackets).
      if (group) for (const [, k] of group[2].matchAll(/(?:^|,)\s*([a-z][a-z_0-9]*)/g)) named.add(`${sec}.${group[1]}.${k}`);
      else named.add(`${sec}.${token}`);
    }
  }
  const keys = leafKeys(configSchema);
  const covered = (k: string) => [...named].some((n) => k === n || k.startsWith(`${n}.`));
  assert.deepEqual(
    keys.filter((k) => !covered(k)),
    [],
    'config keys missing from the README table',
  );
  assert.deepEqual(
    [...named].filter((n) => !keys.some((k) => k === n || k.startsWith(`${n}.`))),
    [],
    'README names keys the config does not have',
  );
  assert.ok(named.has('dataset.resize'));
});
