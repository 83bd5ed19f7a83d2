import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { HTTPException } from 'hono/http-exception';
import { HTTP_STATUS_BY_CODE } from '../../core/error-codes.js';
import { TinynetError } from '../../core/errors.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { HttpError, toHttpError } from '../../serve/http/errors.js';
import { QueueFullError } from '../../serve/batcher.js';

const STYLE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

test('a REST answer carries the TinynetError code itself, with the status from the one table', () => {
  const tooLarge = toHttpError(new TinynetError('image.too_large', 'too big', 'send a smaller image'));
  assert.deepEqual([tooLarge.status, tooLarge.code, tooLarge.message], [413, 'image.too_large', 'too big (send a smaller image)']);
  assert.deepEqual(
    [toHttpError(new TinynetError('model.contract', 'x')).status, toHttpError(new TinynetError('model.contract', 'x')).code],
    [500, 'model.contract'],
  );
  const full = toHttpError(new QueueFullError(2));
  assert.deepEqual([full.status, full.code, full.headers['Retry-After']], [503, 'serve.overloaded', '2']);
  assert.equal(new HttpError('serve.bad_topk', 'x').status, 400);
  assert.deepEqual([toHttpError(new HTTPException(413)).status, toHttpError(new HTTPException(413)).code], [413, 'serve.body_too_large']);
  assert.equal(toHttpError(new Error('boom')).code, 'serve.internal');
  for (const code of Object.keys(HTTP_STATUS_BY_CODE)) assert.match(code, STYLE);
});

/** Every source file of the rooms (not tests, not the build). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

test('every error code raised in the source is room.snake_case', () => {
  const rooms = ['core', 'dataset', 'train', 'onnx', 'export', 'serve', 'report', 'cli', 'web-demo/src'];
  const bad: string[] = [];
  for (const room of rooms) {
    for (const file of sources(path.join(PACKAGE_ROOT, room))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new (?:TinynetError|HttpError|DemoError)\(\s*'([^']+)'/g)) {
        if (!STYLE.test(m[1])) bad.push(`${path.relative(PACKAGE_ROOT, file)}: ${m[1]}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
