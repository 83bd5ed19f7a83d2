import { TinynetError } from '../../core/errors.js';

/**
 * An error the page shows to the person using it: what went wrong and what to do about it.
 * core/errors.ts imports nothing, so the page shares the project's error type.
 */
export class DemoError extends TinynetError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, hint);
    this.name = 'DemoError';
  }
}

/** Any thrown value as a DemoError, so the page always has a code, a message and maybe a hint. */
export function asDemoError(err: unknown, code: string, context: string, hint?: string): DemoError {
  if (err instanceof DemoError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DemoError(code, `${context}: ${detail}`, hint);
}
