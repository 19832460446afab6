// The command line's exit codes: 0 ok, 1 differences found (verify), 2 bad usage or config,
// 3 cannot reach Kafka or OSS, 4 authentication failed, 5 a backfill job of the rule already runs; 70
// (sysexits' EX_SOFTWARE) is a bug, so that a crash never reads as "differences found". Expected failures
// print one line to stderr, no stack trace.
import { CrrError, type ErrorCode } from '../../core/errors.ts';
import { kafkaFailure } from '../../core/adapters/kafka/failures.ts';

export const EXIT = { ok: 0, differences: 1, usage: 2, unreachable: 3, authentication: 4, jobRunning: 5, internal: 70 } as const;

export type ExitName = keyof typeof EXIT;

/** What each exit code means, as every command's help prints it. */
export const EXIT_MEANING: Record<ExitName, string> = {
  ok: 'ok',
  differences: 'differences found (verify)',
  usage: 'bad usage or config (the message names the field)',
  unreachable: 'cannot reach Kafka or OSS',
  authentication: 'authentication failed (Kafka login or TLS, OSS key or secret) or access refused',
  jobRunning: 'a backfill job of the rule already runs (crr backfill start)',
  internal: 'internal error: a bug (its stack trace is on stderr) or a component that stopped on one',
};

const byCode: Partial<Record<ErrorCode, number>> = {
  INVALID_CONFIG: EXIT.usage,
  BACKFILL_JOB_NOT_FOUND: EXIT.usage,
  INVALID_RULE: EXIT.usage,
  RULE_NOT_FOUND: EXIT.usage,
  BACKFILL_JOB_RUNNING: EXIT.jobRunning,
  // A rule naming a bucket that does not exist is a config mistake.
  BUCKET_NOT_FOUND: EXIT.usage,
  KAFKA_UNREACHABLE: EXIT.unreachable,
  NETWORK: EXIT.unreachable,
  TIMEOUT: EXIT.unreachable,
  KAFKA_AUTH_FAILED: EXIT.authentication,
  // The broker's certificate failed verification: the client could not authenticate the server.
  KAFKA_TLS_FAILED: EXIT.authentication,
  // OSS refused the key or its signature (InvalidAccessKeyId, SignatureDoesNotMatch, an expired STS token)…
  AUTH_FAILED: EXIT.authentication,
  // …or the key is valid but may not do this (AccessDenied): a person must fix the policy either way.
  ACCESS_DENIED: EXIT.authentication,
};

/** The exit code of an expected failure, or undefined for anything else (a bug keeps its stack). */
export function exitCodeFor(err: unknown): number | undefined {
  const known = err instanceof CrrError ? err : kafkaFailure(err);
  return known ? byCode[known.code] : undefined;
}

/** Ends the process for an error a command let through: one line and its code, or a bug with its stack and 70. */
export function exitOnError(err: unknown): never {
  const code = exitCodeFor(err);
  if (code === undefined) {
    process.stderr.write(`crr: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.internal);
  }
  const known = err instanceof CrrError ? err : kafkaFailure(err)!;
  process.stderr.write(`crr: ${known.message}\n`);
  process.exit(code);
}
