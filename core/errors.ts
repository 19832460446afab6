// The one error base class: a stable code (core/error-codes.ts), whether retrying can help, the pipeline
// stage where it happened, enumerable context for structured logs, and the cause.
import type { ErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

export type Stage = 'config' | 'capture' | 'decode' | 'plan' | 'source-read' | 'destination-write' | 'publish' | 'commit' | 'backfill' | 'admin';

export interface CrrErrorOptions {
  code: ErrorCode;
  retriable?: boolean;
  stage?: Stage;
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class CrrError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly stage?: Stage;
  readonly context: Record<string, unknown>;

  constructor(message: string, opts: CrrErrorOptions) {
    super(message, { cause: opts.cause });
    this.name = 'CrrError';
    this.code = opts.code;
    this.retriable = opts.retriable ?? false;
    this.stage = opts.stage;
    this.context = opts.context ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable, stage: this.stage, ...this.context };
  }
}

/** Programming errors are bugs: retrying them only hides them. */
export function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError;
}

/** Describes any thrown value without throwing: code, message and class, for logs and dead letters. A foreign error keeps its own code. */
export function describeError(err: unknown): { code: string; message: string; className: string; retriable: boolean } {
  if (err instanceof CrrError) return { code: err.code, message: err.message, className: err.name, retriable: err.retriable };
  if (err instanceof Error) {
    const raw = (err as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : 'UNKNOWN';
    return { code, message: err.message, className: err.constructor?.name ?? 'Error', retriable: false };
  }
  return { code: 'UNKNOWN', message: String(err), className: typeof err, retriable: false };
}
