import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';

const STATIC_IMPORT = /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Module specifiers of one compiled file; `dynamic` adds the lazy `import('...')` ones. */
function importsOf(file: string, dynamic: boolean): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(STATIC_IMPORT), ...(dynamic ? src.matchAll(DYNAMIC_IMPORT) : [])].map((m) => m[1]);
}

/** Every module reachable from the entries by relative imports (static ones only for `staticOnly` entries). */
function reachable(entries: string[], staticOnly: string[] = []): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [...entries, ...staticOnly];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    const specs = importsOf(file, !staticOnly.includes(file));
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) stack.push(path.resolve(path.dirname(file), s));
  }
  return seen;
}

test('serve/ imports core and dataset only — never TensorFlow.js, train/ or export/', () => {
  const dist = path.join(PACKAGE_ROOT, 'dist');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.js') ? [path.join(d, e.name)] : [],
    );
  const entries = [...walk(path.join(dist, 'serve')), path.join(dist, 'cli/commands/serve.js')];
  // `tinynet evaluate --checkpoint` loads train/ lazily; `--model` (its static imports) must stay clear of it.
  const evaluateCli = path.join(dist, 'cli/commands/evaluate.js');
  const problems: string[] = [];
  for (const [file, specs] of reachable(entries, [evaluateCli])) {
    const rel = path.relative(dist, file);
    if (!/^(serve|core|dataset|cli\/commands|cli\/common)/.test(rel)) problems.push(`${rel} is reachable from serve`);
    for (const s of specs) if (s.startsWith('@tensorflow/')) problems.push(`${rel} imports ${s}`);
  }
  assert.deepEqual(problems, []);
});

test('tinynet evaluate reaches TensorFlow.js only through its lazy --checkpoint import', () => {
  const evaluateCli = path.join(PACKAGE_ROOT, 'dist/cli/commands/evaluate.js');
  assert.deepEqual(
    importsOf(evaluateCli, true).filter((s) => !importsOf(evaluateCli, false).includes(s)),
    ['../../train/evaluate-checkpoint.js'],
  );
});
