/**
 * Error codes are `room.snake_case` (the room or area that raises them, then what went wrong),
 * the same in a TinynetError, a CLI message and a REST answer's `error.code`. This table gives the
 * HTTP status of every code the server can answer with; any other code answers 500.
 */
export const HTTP_STATUS_BY_CODE = {
  'serve.bad_request': 400,
  'serve.bad_json': 400,
  'serve.bad_base64': 400,
  'serve.bad_multipart': 400,
  'serve.bad_output': 400,
  'serve.bad_tensor': 400,
  'serve.bad_topk': 400,
  'serve.empty_image': 400,
  'serve.no_images': 400,
  'serve.unauthorized': 401,
  'serve.not_found': 404,
  'serve.model_not_found': 404,
  'serve.version_not_found': 404,
  'serve.method_not_allowed': 405,
  'serve.body_too_large': 413,
  'serve.too_many_images': 413,
  'image.too_large': 413,
  'serve.unsupported_media_type': 415,
  'image.unsupported': 415,
  'image.undecodable': 422,
  'serve.internal': 500,
  'serve.not_ready': 503,
  'serve.overloaded': 503,
  'serve.closed': 503,
  'serve.timeout': 503,
} as const;

export type HttpErrorCode = keyof typeof HTTP_STATUS_BY_CODE;
export type HttpErrorStatus = (typeof HTTP_STATUS_BY_CODE)[HttpErrorCode];

export function httpStatusFor(code: string): HttpErrorStatus {
  return (HTTP_STATUS_BY_CODE as Record<string, HttpErrorStatus>)[code] ?? 500;
}
