import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';

/** Every module reachable from serve/ (and the cli commands that run it), by relative imports. */
function reachable(entries: string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [...entries];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    const src = readFileSync(file, 'utf8');
    const specs = [...src.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) stack.push(path.resolve(path.dirname(file), s));
  }
  return seen;
}

test('serve/ imports core and dataset only — never TensorFlow.js, train/ or export/', () => {
  const dist = path.join(PACKAGE_ROOT, 'dist');
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.js') ? [path.join(d, e.name)] : []));
  const entries = [...walk(path.join(dist, 'serve')), path.join(dist, 'cli/commands/serve.js'), path.join(dist, 'cli/commands/evaluate.js')];
  const problems: string[] = [];
  for (const [file, specs] of reachable(entries)) {
    const rel = path.relative(dist, file);
    if (!/^(serve|core|dataset|cli\/commands|cli\/common)/.test(rel)) problems.push(`${rel} is reachable from serve`);
    for (const s of specs) if (s.startsWith('@tensorflow/')) problems.push(`${rel} imports ${s}`);
  }
  assert.deepEqual(problems, []);
});
