/**
 * An error the user can act on: a stable code, what went wrong, and what to do about it.
 * The CLI prints these without a stack trace; anything else is a bug and keeps its stack.
 */
export class TinynetError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'TinynetError';
    this.code = code;
    this.hint = hint;
  }

  /** One readable block: the message, then the hint on its own line. */
  describe(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }
}

export function isTinynetError(err: unknown): err is TinynetError {
  return err instanceof TinynetError;
}
