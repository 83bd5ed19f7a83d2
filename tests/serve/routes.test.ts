import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/serve-server.js';
import { testImage, referenceProbabilities } from '../helpers/serve-fixtures.js';
import { decodeImage } from '../../core/image/decode.js';
import type { RunningServer } from '../../serve/server.js';

process.env.TINYNET_LOG = 'warn';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
const j = (r: Response): Promise<any> => r.json();

let server: RunningServer & { modelPath: string };
let png: Buffer;
let expectedTop: number;

before(async () => {
  server = await startTestServer({ max_batch: 8, max_delay_ms: 2 }, { numClasses: 12, seed: 5 });
  png = await testImage('png', 4);
  const px = await decodeImage(png, { width: 64, height: 64, maxInputPixels: 1e7 });
  const [ref] = await referenceProbabilities(server.modelPath, [px.pixels]);
  expectedTop = ref.indexOf(Math.max(...ref));
});
after(() => server.close());

const post = (path: string, body: string | Buffer | FormData, type?: string) =>
  fetch(server.url + path, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });

test('POST /v1/classify with a raw PNG, JPEG, WebP and GIF body', async () => {
  for (const format of ['png', 'jpeg', 'webp', 'gif'] as const) {
    const res = await post('/v1/classify?topk=3', await testImage(format, 4), `image/${format}`);
    assert.equal(res.status, 200, format);
    const body = await j(res);
    assert.equal(body.model, 'model');
    assert.equal(body.results.length, 1);
    const preds = body.results[0].predictions;
    assert.equal(preds.length, 3);
    assert.deepEqual(Object.keys(preds[0]).sort(), ['index', 'label', 'score', 'wnid']);
    assert.equal(preds[0].label, `class number ${preds[0].index}`);
    if (format === 'png' || format === 'webp') assert.equal(preds[0].index, expectedTop, format); // lossless
    assert.ok(typeof body.timing.total_ms === 'number');
  }
});

test('POST /v1/classify with multipart (several files) and JSON base64', async () => {
  const form = new FormData();
  form.append('a', new Blob([png], { type: 'image/png' }), 'a.png');
  form.append('note', 'text fields are ignored');
  form.append('b', new Blob([await testImage('jpeg', 9)], { type: 'image/jpeg' }), 'b.jpg');
  const res = await fetch(`${server.url}/v1/classify`, { method: 'POST', body: form });
  assert.equal(res.status, 200);
  const body = await j(res);
  assert.deepEqual(
    body.results.map((r: { filename: string }) => r.filename),
    ['a.png', 'b.jpg'],
  );
  assert.equal(body.results[0].predictions[0].index, expectedTop);
  assert.equal(body.results[0].predictions.length, 5, 'default topk');

  const json = await post(
    '/v1/classify?topk=1',
    JSON.stringify({ images: [png.toString('base64'), `data:image/png;base64,${png.toString('base64')}`] }),
    'application/json',
  );
  assert.equal(json.status, 200);
  const jb = await j(json);
  assert.equal(jb.results.length, 2);
  for (const r of jb.results) assert.equal(r.predictions[0].index, expectedTop);
});

test('KServe v2 metadata and health routes', async () => {
  assert.deepEqual(await j(await fetch(`${server.url}/v2/health/live`)), { live: true });
  const ready = await fetch(`${server.url}/v2/health/ready`);
  assert.equal(ready.status, 200);
  const meta = await j(await fetch(`${server.url}/v2`));
  assert.equal(meta.name, 'tinynet');
  const model = await j(await fetch(`${server.url}/v2/models/model`));
  assert.deepEqual(model.inputs, [{ name: 'image', datatype: 'UINT8', shape: [-1, 64, 64, 3] }]);
  assert.deepEqual(
    model.outputs.map((o: { name: string }) => o.name),
    ['logits', 'probabilities'],
  );
  assert.equal((await fetch(`${server.url}/v2/models/model/ready`)).status, 200);
  assert.equal((await fetch(`${server.url}/v2/models/other`)).status, 404);
});

test('KServe v2 infer with a UINT8 tensor (flat and nested data) equals onnxruntime', async () => {
  const a = await decodeImage(png, { width: 64, height: 64, maxInputPixels: 1e7 });
  const b = await decodeImage(await testImage('png', 7), { width: 64, height: 64, maxInputPixels: 1e7 });
  const ref = await referenceProbabilities(server.modelPath, [a.pixels, b.pixels]);
  const flat = [...a.pixels, ...b.pixels];
  const res = await post(
    '/v2/models/model/infer',
    JSON.stringify({ id: 'r1', inputs: [{ name: 'image', shape: [2, 64, 64, 3], datatype: 'UINT8', data: flat }] }),
    'application/json',
  );
  assert.equal(res.status, 200);
  const body = await j(res);
  assert.equal(body.id, 'r1');
  assert.equal(body.model_name, 'model');
  const probs = body.outputs.find((o: { name: string }) => o.name === 'probabilities');
  assert.deepEqual(probs.shape, [2, 12]);
  for (let i = 0; i < 12; i++) {
    assert.ok(Math.abs(probs.data[i] - ref[0][i]) < 1e-5);
    assert.ok(Math.abs(probs.data[12 + i] - ref[1][i]) < 1e-5);
  }
  // Nested row-major data and an output filter.
  const nested = [[...Array(64)].map((_, y) => [...Array(64)].map((_, x) => [...a.pixels.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)]))];
  const res2 = await post(
    '/v2/models/model/infer',
    JSON.stringify({ inputs: [{ name: 'image', shape: [1, 64, 64, 3], datatype: 'UINT8', data: nested }], outputs: [{ name: 'logits' }] }),
    'application/json',
  );
  assert.equal(res2.status, 200);
  const b2 = await j(res2);
  assert.deepEqual(
    b2.outputs.map((o: { name: string }) => o.name),
    ['logits'],
  );
  assert.deepEqual(b2.outputs[0].shape, [1, 12]);
});

test('GET /metrics exposes request counts, latency, batch sizes, queue depth and inference time', async () => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(text, /tinynet_http_requests_total\{route="\/v1\/classify",method="POST",status="200"\} \d+/);
  assert.match(text, /tinynet_http_request_duration_seconds_bucket\{le="[\d.]+",route="\/v1\/classify"\}/);
  assert.match(text, /tinynet_batch_size_count \d+/);
  assert.match(text, /tinynet_queue_depth 0/);
  assert.match(text, /tinynet_inference_duration_seconds_count [1-9]/);
});

test('errors are JSON with a code: 404, 405, 415, and a request id on every answer', async () => {
  const r404 = await fetch(`${server.url}/nothing/here`);
  assert.equal(r404.status, 404);
  assert.equal((await j(r404)).error.code, 'serve.not_found');
  const r405 = await fetch(`${server.url}/v1/classify`);
  assert.equal(r405.status, 405);
  assert.equal(r405.headers.get('allow'), 'POST');
  const r415 = await post('/v1/classify', 'x', 'text/plain');
  assert.equal(r415.status, 415);
  assert.ok(r415.headers.get('x-request-id'));
  const echoed = await fetch(`${server.url}/v2/health/live`, { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(echoed.headers.get('x-request-id'), 'abc-123');
});

test('a float32-input model takes FP32 tensors and images', async () => {
  const s = await startTestServer({}, { inputDtype: 'float32', numClasses: 3 });
  try {
    const meta = await j(await fetch(`${s.url}/v2/models/model`));
    assert.equal(meta.inputs[0].datatype, 'FP32');
    const data = Array.from({ length: 64 * 64 * 3 }, (_, i) => Math.sin(i));
    const res = await fetch(`${s.url}/v2/models/model/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'image', shape: [1, 64, 64, 3], datatype: 'FP32', data }] }),
    });
    assert.equal(res.status, 200);
    const uint8 = await fetch(`${s.url}/v2/models/model/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'image', shape: [1, 64, 64, 3], datatype: 'UINT8', data: data.map(() => 1) }] }),
    });
    assert.equal(uint8.status, 400);
    const img = await fetch(`${s.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    assert.equal(img.status, 200);
    assert.equal((await j(img)).results[0].predictions.length, 3);
  } finally {
    await s.close();
  }
});

test('bearer token guards inference routes only; CORS only when configured', async () => {
  const s = await startTestServer({ cors_origins: ['https://app.example'] }, {}, 'sekret');
  try {
    assert.equal((await fetch(`${s.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png })).status, 401);
    const bad = await fetch(`${s.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/png', authorization: 'Bearer nope' }, body: png });
    assert.equal(bad.status, 401);
    assert.equal((await j(bad)).error.code, 'serve.unauthorized');
    const ok = await fetch(`${s.url}/v1/classify`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', authorization: 'Bearer sekret', origin: 'https://app.example' },
      body: png,
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal((await fetch(`${s.url}/v2/health/ready`)).status, 200, 'health stays open');
  } finally {
    await s.close();
  }
  const plain = await fetch(`${server.url}/v2/health/live`, { headers: { origin: 'https://app.example' } });
  assert.equal(plain.headers.get('access-control-allow-origin'), null, 'CORS off by default');
});

test('a full queue answers 503 with Retry-After', async () => {
  const s = await startTestServer({ max_queue: 2, max_batch: 1, max_delay_ms: 0 }, { width: 32, depth: 3 });
  try {
    const body = JSON.stringify({ images: [png.toString('base64'), png.toString('base64')] });
    const many = await Promise.all(
      Array.from({ length: 12 }, () => fetch(`${s.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })),
    );
    const statuses = many.map((r) => r.status);
    assert.ok(statuses.includes(503), `statuses: ${statuses}`);
    assert.ok(statuses.includes(200));
    const refused = many.find((r) => r.status === 503)!;
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal((await j(refused)).error.code, 'serve.overloaded');
  } finally {
    await s.close();
  }
});

test('a request that outlives the request timeout gets 503, and the server carries on', async () => {
  // The batching window is longer than the timeout, so the answer cannot come in time.
  const s = await startTestServer({ request_timeout_ms: 100, max_delay_ms: 400, max_batch: 64 });
  try {
    const res = await fetch(`${s.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    assert.equal(res.status, 503);
    assert.equal((await j(res)).error.code, 'serve.timeout');
    assert.equal((await fetch(`${s.url}/v2/health/live`)).status, 200);
  } finally {
    await s.close();
  }
});
