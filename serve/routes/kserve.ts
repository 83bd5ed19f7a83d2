/**
 * KServe v2 / Open Inference Protocol (REST): server and model metadata, health, and
 * POST /v2/models/{name}/infer with JSON tensors — UINT8 [N,H,W,3] for a uint8-input model,
 * FP32 in the model's own layout for a float-input one. Outputs are FP32 [N,classes].
 */
import { Hono } from 'hono';
import { HttpError } from '../http/errors.js';
import type { AppEnv, RouteDeps } from '../http/context.js';
import { TINYNET_VERSION } from '../../core/paths.js';
import { inputDims, sampleLength, type Sample } from '../model/input-tensor.js';
import type { ModelInfo } from '../model/model-info.js';

interface InferInput {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown;
}

export function kserveRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const info = deps.service.info;
  const datatype = info.inputDtype === 'uint8' ? 'UINT8' : 'FP32';
  const outputNames = [info.logitsName, info.probabilitiesName].filter((n): n is string => n !== null);

  app.get('/v2', (c) => {
    c.set('route', '/v2');
    return c.json({ name: 'tinynet', version: TINYNET_VERSION, extensions: [] });
  });
  app.get('/v2/health/live', (c) => {
    c.set('route', '/v2/health/live');
    return c.json({ live: true });
  });
  app.get('/v2/health/ready', (c) => {
    c.set('route', '/v2/health/ready');
    const ready = deps.isReady();
    return c.json({ ready }, ready ? 200 : 503);
  });
  app.get('/v2/models/:name', (c) => {
    c.set('route', '/v2/models/:name');
    modelOr404(c.req.param('name'), info);
    const shape = inputDims(info, -1);
    return c.json({
      name: info.name,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: info.inputName, datatype, shape }],
      outputs: outputNames.map((name) => ({ name, datatype: 'FP32', shape: [-1, info.numClasses] })),
      parameters: { labels: info.labels, resize: info.resize, provenance: info.provenance, precision: info.precision, quantization: info.metadata.precision ?? null },
    });
  });
  app.get('/v2/models/:name/ready', (c) => {
    c.set('route', '/v2/models/:name/ready');
    modelOr404(c.req.param('name'), info);
    const ready = deps.isReady();
    return c.json({ name: info.name, ready }, ready ? 200 : 503);
  });
  app.post('/v2/models/:name/infer', async (c) => {
    c.set('route', '/v2/models/:name/infer');
    modelOr404(c.req.param('name'), info);
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError('serve.unsupported_media_type', 'send the inference request as application/json');
    let body: { id?: unknown; inputs?: unknown; outputs?: unknown };
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new HttpError('serve.bad_json', 'the body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || !Array.isArray(body.inputs)) throw new HttpError('serve.bad_request', 'expected { "inputs": [ { "name", "shape", "datatype", "data" } ] }');
    if (body.inputs.length !== 1) throw new HttpError('serve.bad_tensor', `the model takes exactly one input ("${info.inputName}"), got ${body.inputs.length}`);
    const wanted = requestedOutputs(body.outputs, outputNames);
    const samples = toSamples(body.inputs[0] as InferInput, info, datatype);
    if (samples.length > deps.maxImagesPerRequest) throw new HttpError('serve.too_many_images', `at most ${deps.maxImagesPerRequest} samples per request`);
    c.set('images', samples.length);
    const results = await deps.service.infer(samples);
    const k = info.numClasses;
    const outputs = wanted.map((name) => {
      const data: number[] = [];
      for (const r of results) {
        const row = name === info.probabilitiesName ? r.probabilities : r.logits!;
        for (let i = 0; i < k; i++) data.push(row[i]);
      }
      return { name, datatype: 'FP32', shape: [results.length, k], data };
    });
    return c.json({
      model_name: info.name,
      model_version: '1',
      ...(typeof body.id === 'string' ? { id: body.id } : {}),
      outputs,
    });
  });
  return app;
}

function modelOr404(name: string, info: ModelInfo): void {
  if (name !== info.name) throw new HttpError('serve.model_not_found', `no model named "${name.slice(0, 100)}"; this server serves "${info.name}"`);
}

function requestedOutputs(outputs: unknown, available: string[]): string[] {
  if (outputs === undefined) return available;
  if (!Array.isArray(outputs)) throw new HttpError('serve.bad_request', '"outputs" must be an array of { "name" }');
  return outputs.map((o) => {
    const name = (o as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !available.includes(name)) {
      throw new HttpError('serve.bad_output', `unknown output ${JSON.stringify(name)}; available: ${available.join(', ')}`);
    }
    return name;
  });
}

/** Validate one input tensor and cut it into per-sample buffers of the model's input dtype. */
function toSamples(input: InferInput, info: ModelInfo, datatype: string): Sample[] {
  if (!input || typeof input !== 'object') throw new HttpError('serve.bad_tensor', 'each input must be an object');
  if (input.name !== info.inputName) throw new HttpError('serve.bad_tensor', `input name must be "${info.inputName}", got ${JSON.stringify(input.name)}`);
  if (input.datatype !== datatype) throw new HttpError('serve.bad_tensor', `datatype must be ${datatype} for this model, got ${JSON.stringify(input.datatype)}`);
  const expect = inputDims(info, 1).slice(1);
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new HttpError('serve.bad_tensor', `shape must be [N,${expect.join(',')}] with N ≥ 1, got ${JSON.stringify(shape)?.slice(0, 80)}`);
  }
  if (shape.slice(1).some((d, i) => d !== expect[i])) {
    throw new HttpError('serve.bad_tensor', `shape must be [N,${expect.join(',')}], got ${JSON.stringify(shape)}`);
  }
  const n = shape[0];
  const len = sampleLength(info);
  const flat = flatten(input.data, n * len);
  if (flat.length !== n * len) throw new HttpError('serve.bad_tensor', `data has ${flat.length} values; shape ${JSON.stringify(shape)} needs ${n * len}`);
  const samples: Sample[] = [];
  for (let s = 0; s < n; s++) {
    const out = datatype === 'UINT8' ? new Uint8Array(len) : new Float32Array(len);
    for (let i = 0; i < len; i++) {
      const v = flat[s * len + i];
      if (typeof v !== 'number' || !Number.isFinite(v) || (datatype === 'UINT8' && (!Number.isInteger(v) || v < 0 || v > 255))) {
        throw new HttpError('serve.bad_tensor', `data[${s * len + i}] = ${JSON.stringify(v)?.slice(0, 40)} is not a valid ${datatype} value`);
      }
      out[i] = v;
    }
    samples.push(out);
  }
  return samples;
}

/** The protocol allows flat or nested row-major data; stop early past `limit` values. */
function flatten(data: unknown, limit: number): unknown[] {
  if (!Array.isArray(data)) throw new HttpError('serve.bad_tensor', '"data" must be an array');
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number) => {
    if (out.length > limit) return;
    if (Array.isArray(v)) {
      if (depth > 5) throw new HttpError('serve.bad_tensor', '"data" is nested deeper than the tensor rank');
      for (const x of v) walk(x, depth + 1);
    } else out.push(v);
  };
  walk(data, 0);
  return out;
}
