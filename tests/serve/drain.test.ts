import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { writeTinyModel, testImage } from '../helpers/serve-fixtures.js';
import { metricValue, serveCommand } from '../helpers/serve-server.js';

test('SIGTERM: stops accepting, answers every queued request, exits 0', async () => {
  const model = writeTinyModel({ numClasses: 5 });
  // A long batching window keeps the requests queued when the signal arrives.
  const child = spawn(process.execPath, serveCommand(model, 0, '--providers', 'cpu', '--set', 'serve.max_delay_ms=60000', '--set', 'serve.max_batch=64'), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TINYNET_LOG: 'info' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const url = JSON.parse(line).listening as string;
    const png = await testImage('png', 1);
    const pending = Array.from({ length: 6 }, () => fetch(`${url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }));
    // Wait until all six sit in the batch queue.
    for (let i = 0; i < 200; i++) {
      const text = await (await fetch(`${url}/metrics`)).text();
      if (metricValue(text, 'tinynet_queue_depth') === 6) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGTERM');
    const answers = await Promise.all(pending);
    for (const res of answers) {
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { results: unknown[] }).results.length, 1);
    }
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM received/);
    // One structured line per request, with its id.
    assert.match(stderr, /\{"id":"[\w-]+","method":"POST","path":"\/v1\/classify","route":"\/v1\/classify","status":200,"ms":[\d.]+,"images":1\}/);
    assert.match(
      stderr,
      /model model on CPU · 1 worker\(s\) × \d+ intra-op thread\(s\) · input image uint8\[N,64,64,3\] · outputs logits, probabilities · 5 classes/,
    );
    assert.match(stderr, /draining 6 request\(s\) and 6 queued sample\(s\)/);
    await assert.rejects(fetch(`${url}/v2/health/live`), 'no longer accepting');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('tinynet serve with a missing model exits 2 with a clear message', () => {
  const run = spawnSync(process.execPath, serveCommand('/nonexistent/model.onnx', 0, '--no-demo'), { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /model file not found: \/nonexistent\/model.onnx/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});
