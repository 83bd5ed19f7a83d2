/**
 * Open Inference Protocol conformance as a client sees it: every route answers with the fields
 * KServe's rest_predict_v2.yaml requires, on the unversioned and the versioned paths; errors on v2
 * routes are `{"error": "<string>"}`; Triton's binary tensor extension gives the same bytes as JSON.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/serve-server.js';
import { testPixels, referenceProbabilities } from '../helpers/serve-fixtures.js';
import type { RunningServer } from '../../serve/server.js';

process.env.TINYNET_LOG = 'warn';

type Json = Record<string, unknown>;
let server: RunningServer & { modelPath: string };
before(async () => {
  server = await startTestServer({ max_batch: 8, max_delay_ms: 1 }, { numClasses: 7, seed: 3 });
});
after(() => server.close());

const get = (p: string) => fetch(server.url + p);
const postJson = (p: string, body: unknown) =>
  fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The properties a schema of the protocol marks `required`, with their JSON types. */
function hasFields(obj: Json, fields: Record<string, 'string' | 'array' | 'object' | 'boolean'>, where: string): void {
  for (const [k, type] of Object.entries(fields)) {
    const v = obj[k];
    const actual = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    assert.equal(actual, type, `${where}: "${k}" must be ${type}, got ${JSON.stringify(v)?.slice(0, 60)}`);
  }
}
const tensorMeta = (t: Json, where: string) => {
  hasFields(t, { name: 'string', datatype: 'string', shape: 'array' }, where);
  assert.ok((t.shape as unknown[]).every(Number.isInteger), `${where}: integer shape`);
};

const two = [testPixels(64, 64, 1), testPixels(64, 64, 2)];
const uint8Input = { name: 'image', shape: [2, 64, 64, 3], datatype: 'UINT8' };

test('server metadata on /v2 and /v2/: name, version, extensions (binary_tensor_data)', async () => {
  for (const p of ['/v2', '/v2/']) {
    const res = await get(p);
    assert.equal(res.status, 200, p);
    const body = (await res.json()) as Json;
    hasFields(body, { name: 'string', version: 'string', extensions: 'array' }, p);
    assert.deepEqual(body.extensions, ['binary_tensor_data']);
  }
});

test('model metadata and readiness, unversioned and /versions/1', async () => {
  for (const base of ['/v2/models/model', '/v2/models/model/versions/1']) {
    const meta = (await (await get(base)).json()) as Json;
    hasFields(meta, { name: 'string', platform: 'string', versions: 'array', inputs: 'array', outputs: 'array' }, base);
    assert.deepEqual(meta.versions, ['1']);
    (meta.inputs as Json[]).forEach((t, i) => {
      tensorMeta(t, `${base} inputs[${i}]`);
    });
    (meta.outputs as Json[]).forEach((t, i) => {
      tensorMeta(t, `${base} outputs[${i}]`);
    });
    const ready = await get(`${base}/ready`);
    assert.equal(ready.status, 200, `${base}/ready`);
  }
  for (const h of ['/v2/health/live', '/v2/health/ready']) assert.equal((await get(h)).status, 200, h);
});

test('inference on /infer and /versions/1/infer: model_name, model_version, id, outputs with name/shape/datatype/data', async () => {
  const ref = await referenceProbabilities(server.modelPath, two);
  for (const p of ['/v2/models/model/infer', '/v2/models/model/versions/1/infer']) {
    const res = await postJson(p, { id: 'q', inputs: [{ ...uint8Input, data: [...two[0], ...two[1]] }] });
    assert.equal(res.status, 200, p);
    const body = (await res.json()) as Json;
    hasFields(body, { model_name: 'string', model_version: 'string', id: 'string', outputs: 'array' }, p);
    for (const o of body.outputs as Json[]) {
      tensorMeta(o, `${p} output ${o.name}`);
      hasFields(o, { data: 'array' }, `${p} output ${o.name}`);
    }
    const probs = (body.outputs as Json[]).find((o) => o.name === 'probabilities')!;
    const data = probs.data as number[];
    for (let i = 0; i < 7; i++) assert.ok(Math.abs(data[7 + i] - ref[1][i]) < 1e-5);
  }
});

test('errors on v2 routes are {"error": "<message>"} with the code in X-Error-Code; /v1 keeps its object', async () => {
  const cases: Array<[string, Promise<Response>, number, RegExp]> = [
    ['unknown model', get('/v2/models/nope'), 404, /no model named "nope"/],
    ['unknown version', get('/v2/models/model/versions/7'), 404, /has no version "7"/],
    ['unknown version ready', get('/v2/models/model/versions/2/ready'), 404, /has no version "2"/],
    ['unknown version infer', postJson('/v2/models/model/versions/2/infer', { inputs: [] }), 404, /has no version "2"/],
    [
      'bad json',
      fetch(`${server.url}/v2/models/model/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      400,
      /not valid JSON/,
    ],
    ['bad tensor', postJson('/v2/models/model/infer', { inputs: [{ ...uint8Input, data: [1, 2] }] }), 400, /data has 2 values/],
    ['wrong method', fetch(`${server.url}/v2/models/model/versions/1/infer`), 405, /GET is not allowed/],
    ['unknown v2 path', get('/v2/models'), 404, /no route for GET \/v2\/models/],
    [
      'text body',
      fetch(`${server.url}/v2/models/model/infer`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      415,
      /application\/json/,
    ],
  ];
  for (const [name, pending, status, message] of cases) {
    const res = await pending;
    assert.equal(res.status, status, name);
    const body = (await res.json()) as Json;
    assert.deepEqual(Object.keys(body), ['error'], name);
    assert.equal(typeof body.error, 'string', name);
    assert.match(body.error as string, message, name);
    assert.match(res.headers.get('x-error-code') ?? '', /^[a-z]+\.[a-z_]+$/, name);
  }
  const v1 = (await (await fetch(`${server.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).json()) as {
    error: Json;
  };
  hasFields(v1.error, { code: 'string', message: 'string' }, '/v1 error');
});

/** A binary-extension request: the JSON header, then the raw bytes; its length in the header. */
function binaryRequest(json: unknown, bytes: Uint8Array): { body: Buffer; headers: Record<string, string> } {
  const head = Buffer.from(JSON.stringify(json));
  return {
    body: Buffer.concat([head, bytes]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) },
  };
}

/** Split a binary-extension response into its JSON and each binary output's bytes. */
async function readBinaryResponse(res: Response): Promise<{ json: Json; outputs: Map<string, Buffer> }> {
  const all = Buffer.from(await res.arrayBuffer());
  const n = Number(res.headers.get('inference-header-content-length'));
  assert.ok(Number.isInteger(n) && n > 0 && n <= all.length, 'Inference-Header-Content-Length');
  const json = JSON.parse(all.subarray(0, n).toString('utf8')) as Json;
  const outputs = new Map<string, Buffer>();
  let at = n;
  for (const o of json.outputs as Json[]) {
    const size = (o.parameters as Json | undefined)?.binary_data_size as number | undefined;
    if (size === undefined) continue;
    outputs.set(o.name as string, all.subarray(at, at + size));
    at += size;
  }
  assert.equal(at, all.length, 'every byte belongs to an output');
  return { json, outputs };
}

const leBytes = (values: number[]) => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    b.writeFloatLE(v, i * 4);
  });
  return b;
};

test('binary tensor extension: binary input and binary outputs are byte-exact against the JSON form', async () => {
  const pixels = Buffer.concat(two);
  const jsonRes = (await (await postJson('/v2/models/model/infer', { id: 'j', inputs: [{ ...uint8Input, data: [...pixels] }] })).json()) as Json;
  const jsonOut = new Map((jsonRes.outputs as Json[]).map((o) => [o.name as string, o]));

  // Binary in, binary out (all outputs, through the request's binary_data_output).
  const all = binaryRequest(
    { id: 'b', inputs: [{ ...uint8Input, parameters: { binary_data_size: pixels.length } }], parameters: { binary_data_output: true } },
    pixels,
  );
  const res = await fetch(`${server.url}/v2/models/model/infer`, { method: 'POST', headers: all.headers, body: all.body });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  const { json, outputs } = await readBinaryResponse(res);
  assert.equal(json.id, 'b');
  assert.equal(outputs.size, 2);
  for (const o of json.outputs as Json[]) {
    assert.equal(o.data, undefined, 'a binary output carries no JSON data');
    assert.deepEqual(o.shape, jsonOut.get(o.name as string)!.shape);
    assert.deepEqual(outputs.get(o.name as string), leBytes(jsonOut.get(o.name as string)!.data as number[]), `${o.name}: same bytes as the JSON values`);
  }

  // Binary in, one output binary and one as JSON (per-output binary_data), on the versioned path.
  const mixed = binaryRequest(
    {
      inputs: [{ ...uint8Input, parameters: { binary_data_size: pixels.length } }],
      outputs: [{ name: 'logits', parameters: { binary_data: true } }, { name: 'probabilities' }],
    },
    pixels,
  );
  const res2 = await readBinaryResponse(
    await fetch(`${server.url}/v2/models/model/versions/1/infer`, { method: 'POST', headers: mixed.headers, body: mixed.body }),
  );
  assert.deepEqual([...res2.outputs.keys()], ['logits']);
  assert.deepEqual(res2.outputs.get('logits'), leBytes(jsonOut.get('logits')!.data as number[]));
  const probs = (res2.json.outputs as Json[]).find((o) => o.name === 'probabilities')!;
  assert.deepEqual(probs.data, jsonOut.get('probabilities')!.data);

  // Binary in, JSON out: a plain JSON response.
  const plain = binaryRequest({ inputs: [{ ...uint8Input, parameters: { binary_data_size: pixels.length } }] }, pixels);
  const res3 = await fetch(`${server.url}/v2/models/model/infer`, { method: 'POST', headers: plain.headers, body: plain.body });
  assert.equal(res3.headers.get('inference-header-content-length'), null);
  assert.deepEqual(((await res3.json()) as Json).outputs, jsonRes.outputs);
});

test('binary tensor extension: sizes that do not add up are 400 with the reason', async () => {
  const pixels = Buffer.concat(two);
  const send = (json: unknown, bytes: Uint8Array, lengthHeader?: string) => {
    const r = binaryRequest(json, bytes);
    if (lengthHeader !== undefined) r.headers['inference-header-content-length'] = lengthHeader;
    return fetch(`${server.url}/v2/models/model/infer`, { method: 'POST', headers: r.headers, body: r.body });
  };
  const input = (size: number) => ({ inputs: [{ ...uint8Input, parameters: { binary_data_size: size } }] });
  const cases: Array<[string, Promise<Response>, RegExp]> = [
    ['short size', send(input(100), pixels), /binary_data_size is 100 bytes; .* needs 24576|bytes after the binary inputs/],
    ['size past the body', send(input(pixels.length + 1), pixels), /runs past/],
    ['extra bytes', send(input(pixels.length), Buffer.concat([pixels, Buffer.from([1])])), /1 bytes after the binary inputs/],
    ['header not a number', send(input(pixels.length), pixels, 'abc'), /must be a byte count/],
    ['header past the body', send(input(pixels.length), pixels, String(10 ** 9)), /the body has only/],
    [
      'size and data both',
      send({ inputs: [{ ...uint8Input, data: [1], parameters: { binary_data_size: pixels.length } }] }, pixels),
      /either "data" or binary_data_size/,
    ],
  ];
  for (const [name, pending, message] of cases) {
    const res = await pending;
    assert.equal(res.status, 400, name);
    assert.match(((await res.json()) as { error: string }).error, message, name);
  }
  const noHeader = await postJson('/v2/models/model/infer', input(pixels.length));
  assert.equal(noHeader.status, 400);
  assert.match(((await noHeader.json()) as { error: string }).error, /no Inference-Header-Content-Length header/);
});

test('binary tensor extension with an FP32 input: little-endian floats give the JSON answer', async () => {
  const s = await startTestServer({}, { inputDtype: 'float32', numClasses: 3 });
  try {
    const values = Array.from({ length: 64 * 64 * 3 }, (_, i) => Math.fround(Math.sin(i)));
    const input = { name: 'image', shape: [1, 64, 64, 3], datatype: 'FP32' };
    const viaJson = (await (
      await fetch(`${s.url}/v2/models/model/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ ...input, data: values }] }),
      })
    ).json()) as Json;
    const bytes = leBytes(values);
    const req = binaryRequest({ inputs: [{ ...input, parameters: { binary_data_size: bytes.length } }] }, bytes);
    const viaBinary = (await (await fetch(`${s.url}/v2/models/model/infer`, { method: 'POST', headers: req.headers, body: req.body })).json()) as Json;
    assert.deepEqual(viaBinary.outputs, viaJson.outputs);
    const nan = leBytes([Number.NaN, ...values.slice(1)]);
    const bad = binaryRequest({ inputs: [{ ...input, parameters: { binary_data_size: nan.length } }] }, nan);
    const res = await fetch(`${s.url}/v2/models/model/infer`, { method: 'POST', headers: bad.headers, body: bad.body });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /value 0 is NaN, not a finite FP32/);
  } finally {
    await s.close();
  }
});
