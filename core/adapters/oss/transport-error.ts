// A failure of the wire itself, already classified where it happened (the transport knows whether it
// timed out, lost its connection or was aborted by its owner): the error table reads the meaning as is.
import type { ErrorMeaning } from './error-table.ts';

export class TransportError extends Error {
  constructor(message: string, readonly meaning: ErrorMeaning, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/**
 * The owner of the request gave up on it (a revoked partition, a drain past its timeout): its connection is
 * destroyed. Not retriable here: whoever owns the work now does it again.
 */
export function abortedError(signal: AbortSignal): TransportError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
  return new TransportError(`aborted: ${why}`, { code: 'ABORTED', retriable: false }, { cause: reason });
}
