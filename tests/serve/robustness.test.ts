import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, metricValue } from '../helpers/serve-server.js';
import { testImage, referenceProbabilities } from '../helpers/serve-fixtures.js';
import { malformedRequests } from '../helpers/malformed-requests.js';
import { decodeImage } from '../../core/image/decode.js';
import type { RunningServer } from '../../serve/server.js';

process.env.TINYNET_LOG = 'error';

const BODY_LIMIT_MB = 1;
let server: RunningServer & { modelPath: string };
const images: Buffer[] = [];
const expected: number[] = [];

before(async () => {
  server = await startTestServer(
    { body_limit_mb: BODY_LIMIT_MB, max_input_pixels: 10_000_000, max_batch: 16, max_delay_ms: 5, workers: 2 },
    { numClasses: 20, seed: 11 },
  );
  for (let s = 0; s < 20; s++) images.push(await testImage('png', s, 48 + s * 4, 64));
  const pixels = await Promise.all(images.map(async (b) => (await decodeImage(b, { width: 64, height: 64, maxInputPixels: 1e7 })).pixels));
  const ref = await referenceProbabilities(server.modelPath, pixels);
  for (const r of ref) expected.push(r.indexOf(Math.max(...r)));
});
after(() => server.close());

async function classifyTop(i: number): Promise<number> {
  const res = await fetch(`${server.url}/v1/classify?topk=1`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: images[i] });
  assert.equal(res.status, 200);
  return ((await res.json()) as { results: Array<{ predictions: Array<{ index: number }> }> }).results[0].predictions[0].index;
}

test('≥ 200 malformed requests all get a 4xx JSON error (a string on v2 routes); the server stays live and correct', async () => {
  const cases = await malformedRequests('model', BODY_LIMIT_MB * 1024 * 1024);
  assert.ok(cases.length >= 200, `only ${cases.length} cases`);
  const failures: string[] = [];
  // A few at a time: the fuzz set is also a concurrency test of the error paths.
  for (let i = 0; i < cases.length; i += 8) {
    await Promise.all(
      cases.slice(i, i + 8).map(async (c) => {
        let res: Response;
        try {
          res = await fetch(server.url + c.path, { method: c.method, headers: c.headers, body: c.body });
        } catch (err) {
          failures.push(`${c.name}: connection error ${(err as Error).message}`);
          return;
        }
        const text = await res.text();
        // The v2 routes answer the protocol's {"error": "<message>"} with the code in a header.
        let code: unknown;
        try {
          const error = JSON.parse(text)?.error;
          code = c.path.startsWith('/v2') ? (typeof error === 'string' ? res.headers.get('x-error-code') : undefined) : error?.code;
        } catch {
          code = undefined;
        }
        const statusOk = c.status === null ? res.status >= 400 && res.status < 500 : res.status === c.status;
        if (!statusOk || typeof code !== 'string') failures.push(`${c.name}: ${res.status} ${text.slice(0, 120)}`);
        if (/\bat \w+ \(|node:internal|\.ts:\d+/.test(text)) failures.push(`${c.name}: stack trace in the answer`);
      }),
    );
  }
  assert.deepEqual(failures, []);
  const live = await fetch(`${server.url}/v2/health/live`);
  assert.equal(live.status, 200);
  for (const i of [0, 7, 13]) assert.equal(await classifyTop(i), expected[i]);
});

test('200 concurrent requests all get their own right answer, in batches larger than 1', async () => {
  const before = await (await fetch(`${server.url}/metrics`)).text();
  const count0 = metricValue(before, 'tinynet_batch_size_count');
  const ones0 = metricValue(before, 'tinynet_batch_size_bucket{le="1"}');
  const tops = await Promise.all(Array.from({ length: 200 }, (_, k) => classifyTop(k % 20)));
  tops.forEach((top, k) => {
    assert.equal(top, expected[k % 20], `request ${k}`);
  });
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const batches = metricValue(text, 'tinynet_batch_size_count') - count0;
  const singles = metricValue(text, 'tinynet_batch_size_bucket{le="1"}') - ones0;
  assert.equal(metricValue(text, 'tinynet_batch_size_sum') - metricValue(before, 'tinynet_batch_size_sum'), 200);
  assert.ok(batches - singles > 0, `no batch larger than 1 among ${batches}`);
  assert.ok(batches < 200, 'requests were coalesced');
});
