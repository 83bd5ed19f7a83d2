/**
 * An error the page shows to the person using it: what went wrong and what to do about it.
 * Mirrors core/errors.ts's TinynetError (web-demo may not import Node rooms, so it has its own).
 */
export class DemoError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'DemoError';
    this.code = code;
    this.hint = hint;
  }
}

/** Any thrown value as a DemoError, so the page always has a code, a message and maybe a hint. */
export function asDemoError(err: unknown, code: string, context: string, hint?: string): DemoError {
  if (err instanceof DemoError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DemoError(code, `${context}: ${detail}`, hint);
}
