/**
 * KServe v2 / Open Inference Protocol (REST): server and model metadata, health, and inference —
 * under `/v2/models/{name}` and `/v2/models/{name}/versions/{version}` alike — with JSON tensors or
 * Triton's binary tensor extension: UINT8 [N,H,W,3] for a uint8-input model, FP32 in the model's
 * own layout for a float-input one. Outputs are FP32 [N,classes]. The protocol's error body on
 * these routes is `{"error": "<message>"}` (see http/errors.ts).
 */
import { Hono, type Context } from 'hono';
import { HttpError } from '../http/errors.js';
import type { AppEnv, RouteDeps } from '../http/context.js';
import { TINYNET_VERSION } from '../../core/paths.js';
import { inputDims } from '../model/input-tensor.js';
import type { ModelInfo } from '../model/model-info.js';
import { BinaryCursor, HEADER_LENGTH, binaryResponse, float32Bytes, splitBinaryBody } from './v2-binary.js';
import { inputSamples, requestedOutputs, type InferInput } from './v2-tensors.js';

/** The one version a served model file has. */
export const MODEL_VERSION = '1';
/** Protocol extensions this server implements, as `/v2` lists them. */
export const V2_EXTENSIONS = ['binary_tensor_data'];

type Handler = (c: Context<AppEnv>) => Response | Promise<Response>;

export function kserveRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const info = deps.service.info;
  const datatype = info.inputDtype === 'uint8' ? 'UINT8' : 'FP32';
  const outputNames = [info.logitsName, info.probabilitiesName].filter((n): n is string => n !== null);

  const serverMetadata: Handler = (c) => c.json({ name: 'tinynet', version: TINYNET_VERSION, extensions: V2_EXTENSIONS });
  app.get('/v2', route('/v2', serverMetadata));
  app.get('/v2/', route('/v2', serverMetadata));
  app.get(
    '/v2/health/live',
    route('/v2/health/live', (c) => c.json({ live: true })),
  );
  app.get(
    '/v2/health/ready',
    route('/v2/health/ready', (c) => {
      const ready = deps.isReady();
      return c.json({ ready }, ready ? 200 : 503);
    }),
  );

  /** One handler on the unversioned and the versioned path. */
  const model = (method: 'get' | 'post', suffix: string, handler: Handler) => {
    for (const pattern of [`/v2/models/:name${suffix}`, `/v2/models/:name/versions/:version${suffix}`]) {
      app[method](
        pattern,
        route(pattern, (c) => {
          modelOr404(c, info);
          return handler(c);
        }),
      );
    }
  };
  model('get', '', (c) =>
    c.json({
      name: info.name,
      versions: [MODEL_VERSION],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: info.inputName, datatype, shape: inputDims(info, -1) }],
      outputs: outputNames.map((name) => ({ name, datatype: 'FP32', shape: [-1, info.numClasses] })),
      parameters: {
        labels: info.labels,
        resize: info.resize,
        provenance: info.provenance,
        precision: info.precision,
        quantization: info.metadata.precision ?? null,
      },
    }),
  );
  model('get', '/ready', (c) => {
    const ready = deps.isReady();
    return c.json({ name: info.name, ready }, ready ? 200 : 503);
  });
  model('post', '/infer', async (c) => {
    const lengthHeader = c.req.header(HEADER_LENGTH);
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    // A binary-extension body is JSON then raw bytes: clients send it as octet-stream (or as JSON).
    if (lengthHeader === undefined && type !== 'application/json')
      throw new HttpError('serve.unsupported_media_type', `send the inference request as application/json, or with ${HEADER_LENGTH} for binary tensors`);
    let text: string;
    let cursor: BinaryCursor | null = null;
    if (lengthHeader !== undefined) {
      const split = splitBinaryBody(new Uint8Array(await c.req.arrayBuffer()), lengthHeader);
      text = split.json;
      cursor = new BinaryCursor(split.rest);
    } else text = await c.req.text();
    let body: { id?: unknown; inputs?: unknown; outputs?: unknown; parameters?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError('serve.bad_json', 'the inference request is not valid JSON');
    }
    if (!body || typeof body !== 'object' || !Array.isArray(body.inputs))
      throw new HttpError('serve.bad_request', 'expected { "inputs": [ { "name", "shape", "datatype", "data" } ] }');
    if (body.inputs.length !== 1) throw new HttpError('serve.bad_tensor', `the model takes exactly one input ("${info.inputName}"), got ${body.inputs.length}`);
    const params = body.parameters;
    const binaryOutput = params !== null && typeof params === 'object' ? (params as Record<string, unknown>).binary_data_output : undefined;
    if (binaryOutput !== undefined && typeof binaryOutput !== 'boolean')
      throw new HttpError('serve.bad_request', 'parameters.binary_data_output must be true or false');
    const wanted = requestedOutputs(body.outputs, outputNames, binaryOutput ?? false);
    const samples = inputSamples(body.inputs[0] as InferInput, info, datatype, cursor);
    cursor?.finish();
    if (samples.length > deps.maxImagesPerRequest) throw new HttpError('serve.too_many_images', `at most ${deps.maxImagesPerRequest} samples per request`);
    c.set('images', samples.length);
    const results = await deps.service.infer(samples);
    const k = info.numClasses;
    const chunks: Uint8Array[] = [];
    const outputs = wanted.map(({ name, binary }) => {
      const values = new Float32Array(results.length * k);
      results.forEach((r, i) => {
        values.set((name === info.probabilitiesName ? r.probabilities : r.logits!).subarray(0, k), i * k);
      });
      const head = { name, datatype: 'FP32', shape: [results.length, k] };
      if (!binary) return { ...head, data: Array.from(values) };
      const bytes = float32Bytes(values);
      chunks.push(bytes);
      return { ...head, parameters: { binary_data_size: bytes.length } };
    });
    const response = { model_name: info.name, model_version: MODEL_VERSION, ...(typeof body.id === 'string' ? { id: body.id } : {}), outputs };
    if (chunks.length === 0) return c.json(response);
    const { body: bytes, headers } = binaryResponse(response, chunks);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return app;
}

/** Label the request with its route pattern (metrics, logs), then handle it. */
function route(pattern: string, handler: Handler): Handler {
  return (c) => {
    c.set('route', pattern);
    return handler(c);
  };
}

function modelOr404(c: Context<AppEnv>, info: ModelInfo): void {
  const name = c.req.param('name') ?? '';
  if (name !== info.name) throw new HttpError('serve.model_not_found', `no model named "${name.slice(0, 100)}"; this server serves "${info.name}"`);
  const version = c.req.param('version');
  if (version !== undefined && version !== MODEL_VERSION)
    throw new HttpError('serve.version_not_found', `model "${info.name}" has no version "${version.slice(0, 40)}"; it has version ${MODEL_VERSION}`);
}
