/**
 * Every error the server answers is JSON with a fitting status, never a stack trace:
 * `{ "error": { "code", "message" } }`, except on the Open Inference Protocol's `/v2` routes, whose
 * clients expect `{ "error": "<message>" }` — there the stable code travels in `X-Error-Code`.
 * TinynetErrors from decoding and the batcher map to statuses here.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { TinynetError } from '../../core/errors.js';
import { QueueFullError } from '../batcher.js';

export type ErrorStatus = 400 | 401 | 404 | 405 | 413 | 415 | 422 | 500 | 503;

export class HttpError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS_BY_TINYNET_CODE: Record<string, ErrorStatus> = {
  'image.too_large': 413,
  'image.unsupported': 415,
  'image.undecodable': 422,
  'serve.overloaded': 503,
  'serve.closed': 503,
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof QueueFullError) {
    return new HttpError(503, 'overloaded', err.message, { 'Retry-After': String(err.retryAfterSec) });
  }
  if (err instanceof TinynetError) {
    const status = STATUS_BY_TINYNET_CODE[err.code] ?? 500;
    return new HttpError(status, err.code.replace(/^[a-z]+\./, ''), err.hint ? `${err.message} (${err.hint})` : err.message);
  }
  if (err instanceof HTTPException) {
    const status = ([400, 401, 404, 405, 413, 415, 422, 503] as number[]).includes(err.status) ? (err.status as ErrorStatus) : 500;
    return new HttpError(status, status === 503 ? 'timeout' : 'bad_request', err.message || 'request failed');
  }
  return new HttpError(500, 'internal', 'internal error; see the server log (request id in X-Request-Id)');
}

/** `/v2` and everything under it. */
export const isV2Path = (p: string) => p === '/v2' || p.startsWith('/v2/');

export function errorResponse(c: Context, err: HttpError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  if (isV2Path(c.req.path)) {
    c.header('X-Error-Code', err.code);
    return c.json({ error: err.message }, err.status);
  }
  return c.json({ error: { code: err.code, message: err.message } }, err.status);
}
