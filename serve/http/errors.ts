/**
 * Every error the server answers is JSON with the status core/error-codes.ts gives its code, never
 * a stack trace: `{ "error": { "code", "message" } }`, except on the Open Inference Protocol's `/v2`
 * routes, whose clients expect `{ "error": "<message>" }` — there the code travels in `X-Error-Code`.
 * TinynetErrors from decoding and the batcher keep their own codes.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { TinynetError } from '../../core/errors.js';
import { httpStatusFor, type HttpErrorCode, type HttpErrorStatus } from '../../core/error-codes.js';
import { QueueFullError } from '../batcher.js';

export class HttpError extends Error {
  readonly status: HttpErrorStatus;

  constructor(
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = httpStatusFor(code);
  }
}

/** The code of the route-level failures Hono raises itself, by status. */
const CODE_BY_HONO_STATUS: Record<number, HttpErrorCode> = {
  401: 'serve.unauthorized',
  404: 'serve.not_found',
  405: 'serve.method_not_allowed',
  413: 'serve.body_too_large',
  415: 'serve.unsupported_media_type',
  503: 'serve.timeout',
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof QueueFullError) {
    return new HttpError(err.code, err.message, { 'Retry-After': String(err.retryAfterSec) });
  }
  if (err instanceof TinynetError) {
    return new HttpError(err.code, err.hint ? `${err.message} (${err.hint})` : err.message);
  }
  if (err instanceof HTTPException) {
    const code = CODE_BY_HONO_STATUS[err.status] ?? (err.status >= 400 && err.status < 500 ? 'serve.bad_request' : 'serve.internal');
    return new HttpError(code, err.message || 'request failed');
  }
  return new HttpError('serve.internal', 'internal error; see the server log (request id in X-Request-Id)');
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
