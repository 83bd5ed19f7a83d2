/**
 * Triton's binary tensor data extension, which tritonclient uses by default: the body is the JSON
 * request (its byte length in `Inference-Header-Content-Length`) followed by the raw bytes of every
 * input whose parameters carry `binary_data_size`, in input order; outputs asked for with
 * `binary_data: true` (or all, with the request's `binary_data_output`) come back the same way.
 * Raw bytes are little-endian, row-major, unpadded.
 */
import { HttpError } from '../http/errors.js';

export const HEADER_LENGTH = 'Inference-Header-Content-Length';

/** Cut a binary-extension body into its JSON text and the bytes after it. */
export function splitBinaryBody(body: Uint8Array, headerLength: string): { json: string; rest: Uint8Array } {
  if (!/^\d+$/.test(headerLength.trim()))
    throw new HttpError('serve.bad_request', `${HEADER_LENGTH} must be a byte count, got ${JSON.stringify(headerLength.slice(0, 40))}`);
  const n = Number(headerLength);
  if (n > body.length) throw new HttpError('serve.bad_request', `${HEADER_LENGTH} is ${n} but the body has only ${body.length} bytes`);
  return { json: new TextDecoder().decode(body.subarray(0, n)), rest: body.subarray(n) };
}

/** Hands out the bytes after the JSON, input by input; all of them must be claimed. */
export class BinaryCursor {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(size: unknown, input: string): Uint8Array {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      throw new HttpError('serve.bad_tensor', `input "${input}": binary_data_size must be a byte count, got ${JSON.stringify(size)?.slice(0, 40)}`);
    if (this.offset + size > this.bytes.length)
      throw new HttpError(
        'serve.bad_tensor',
        `input "${input}": binary_data_size ${size} runs past the ${this.bytes.length - this.offset} bytes left in the body`,
      );
    const out = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return out;
  }

  finish(): void {
    if (this.offset !== this.bytes.length)
      throw new HttpError('serve.bad_request', `${this.bytes.length - this.offset} bytes after the binary inputs belong to no input`);
  }
}

/** FP32 values as little-endian bytes (whatever the host's byte order). */
export function float32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

export function float32FromBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** A binary-extension response: the JSON, then the chunks; the header says where the JSON ends. */
export function binaryResponse(json: unknown, chunks: Uint8Array[]): { body: Uint8Array; headers: Record<string, string> } {
  const head = new TextEncoder().encode(JSON.stringify(json));
  const body = new Uint8Array(head.length + chunks.reduce((n, c) => n + c.length, 0));
  body.set(head, 0);
  let at = head.length;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return { body, headers: { [HEADER_LENGTH]: String(head.length), 'Content-Type': 'application/octet-stream' } };
}
