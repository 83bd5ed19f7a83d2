/**
 * The Open Inference Protocol's tensors for this model: the one input checked against the model
 * (name, datatype, shape) and cut into per-sample buffers, from JSON `data` or from binary bytes;
 * the requested outputs with the form each is wanted in.
 */
import { HttpError } from '../http/errors.js';
import { inputDims, sampleLength, type Sample } from '../model/input-tensor.js';
import type { ModelInfo } from '../model/model-info.js';
import { float32FromBytes, type BinaryCursor } from './v2-binary.js';

export interface InferInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data?: unknown;
}

export interface WantedOutput {
  name: string;
  binary: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Outputs to answer with: all of them when none are named; binary per `binary_data`, defaulting to the request's `binary_data_output`. */
export function requestedOutputs(outputs: unknown, available: string[], binaryByDefault: boolean): WantedOutput[] {
  if (outputs === undefined) return available.map((name) => ({ name, binary: binaryByDefault }));
  if (!Array.isArray(outputs)) throw new HttpError('serve.bad_request', '"outputs" must be an array of { "name" }');
  return outputs.map((o) => {
    const name = (o as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !available.includes(name)) {
      throw new HttpError('serve.bad_output', `unknown output ${JSON.stringify(name)}; available: ${available.join(', ')}`);
    }
    const params = (o as { parameters?: unknown }).parameters;
    const flag = isObject(params) ? params.binary_data : undefined;
    if (flag !== undefined && typeof flag !== 'boolean') throw new HttpError('serve.bad_output', `output "${name}": binary_data must be true or false`);
    return { name, binary: flag ?? binaryByDefault };
  });
}

/** Validate the input tensor and cut it into samples of the model's input dtype. */
export function inputSamples(input: InferInput, info: ModelInfo, datatype: string, binary: BinaryCursor | null): Sample[] {
  if (!isObject(input)) throw new HttpError('serve.bad_tensor', 'each input must be an object');
  if (input.name !== info.inputName) throw new HttpError('serve.bad_tensor', `input name must be "${info.inputName}", got ${JSON.stringify(input.name)}`);
  if (input.datatype !== datatype)
    throw new HttpError('serve.bad_tensor', `datatype must be ${datatype} for this model, got ${JSON.stringify(input.datatype)}`);
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
  const size = isObject(input.parameters) ? input.parameters.binary_data_size : undefined;
  if (size !== undefined) {
    if (!binary)
      throw new HttpError('serve.bad_tensor', `input "${input.name}" has binary_data_size but the request has no ${'Inference-Header-Content-Length'} header`);
    if (input.data !== undefined) throw new HttpError('serve.bad_tensor', `input "${input.name}": give either "data" or binary_data_size, not both`);
    return binarySamples(binary.take(size, input.name), n, len, datatype);
  }
  return jsonSamples(input.data, n, len, datatype);
}

function binarySamples(bytes: Uint8Array, n: number, len: number, datatype: string): Sample[] {
  const width = datatype === 'UINT8' ? 1 : 4;
  if (bytes.length !== n * len * width)
    throw new HttpError('serve.bad_tensor', `binary_data_size is ${bytes.length} bytes; shape [${n},…] of ${datatype} needs ${n * len * width}`);
  const values = datatype === 'UINT8' ? bytes : float32FromBytes(bytes);
  if (values instanceof Float32Array) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new HttpError('serve.bad_tensor', `value ${bad} is ${values[bad]}, not a finite FP32`);
  }
  // Fresh buffers per sample: they are transferred to the inference worker.
  return Array.from({ length: n }, (_, s) => values.slice(s * len, (s + 1) * len));
}

function jsonSamples(data: unknown, n: number, len: number, datatype: string): Sample[] {
  const flat = flatten(data, n * len);
  if (flat.length !== n * len) throw new HttpError('serve.bad_tensor', `data has ${flat.length} values; shape [${n},…] needs ${n * len}`);
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
