// The command line's exit codes: 0 ok, 1 differences found (verify), 2 bad usage or config,
// 3 cannot reach Kafka or OSS, 4 authentication failed, 5 a backfill job of the rule already runs. Expected failures print one line to
// stderr, no stack trace.
import { CrrError } from '../../core/errors.ts';
import { kafkaFailure } from '../../core/adapters/kafka/failures.ts';

export const EXIT = { ok: 0, differences: 1, usage: 2, unreachable: 3, authentication: 4, jobRunning: 5 } as const;

const byCode: Record<string, number> = {
  INVALID_CONFIG: EXIT.usage,
  BACKFILL_JOB_NOT_FOUND: EXIT.usage,
  BACKFILL_JOB_RUNNING: EXIT.jobRunning,
  KAFKA_UNREACHABLE: EXIT.unreachable,
  KAFKA_AUTH_FAILED: EXIT.authentication,
  // The broker's certificate failed verification: the client could not authenticate the server.
  KAFKA_TLS_FAILED: EXIT.authentication,
};

/** The exit code of an expected failure, or undefined for anything else (a bug keeps its stack). */
export function exitCodeFor(err: unknown): number | undefined {
  const known = err instanceof CrrError ? err : kafkaFailure(err);
  return known ? byCode[known.code] : undefined;
}

/** Ends the process for an error a command let through: one line and its code, or the error as it is. */
export function exitOnError(err: unknown): never {
  const code = exitCodeFor(err);
  if (code === undefined) throw err;
  const known = err instanceof CrrError ? err : kafkaFailure(err)!;
  process.stderr.write(`crr: ${known.message}\n`);
  process.exit(code);
}
