// Retry as a small higher-order function: exponential backoff with full jitter, and the one place that says
// what is retried and how often. Whether a failure can pass on a second try is the error's own `retriable`
// (set from a data table where it was classified), never an `if` at a call site.
//
// The budget is nested. A reconcile is tried 1 + processing.retries times (RECONCILE_RETRY; default 8
// retries, so 9 attempts, sleeping up to 0.2+0.4+...+10+10 s = 32.6 s between them), and inside each attempt
// every idempotent request is tried up to 5 times on its own (REQUEST_RETRY, up to 0.75 s of sleep). So a read
// that keeps being throttled is sent up to 9 x 5 = 45 times over about 40 s before its trigger is
// dead-lettered; a changed source adds up to 5 passes of the key (reconcile-key.ts), each a fresh read.
// Kept so on purpose: the in-place retries are what lets a versioned reconcile (tens of reads) pass at a few
// per cent of throttling, and the outer retries re-plan from fresh reads. The price is that a rule whose
// endpoint throttles everything multiplies its requests by up to 45 before its triggers park; an abort
// (revoke, drain) stops all of it at once.
import { CrrError, isProgrammingError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** A whole reconcile: read both sides again, plan again, apply. The processor sets `retries` from processing.retries. */
export const RECONCILE_RETRY: RetryPolicy = { retries: 5, initialDelayMs: 200, maxDelayMs: 10_000, factor: 2 };
/** The policy withRetry uses when none is given. */
export const defaultRetryPolicy: RetryPolicy = RECONCILE_RETRY;
/**
 * One idempotent request retried on its own, inside a reconcile: a read, a part of a multipart copy (its
 * ranged GET and UploadPart), the abort of an upload. Retrying only whole reconciles would need every one of
 * their requests to pass in one attempt: with n parts and a per-request failure rate p a copy then succeeds
 * with probability (1 - p)^2n (20 parts at 10 %: 1 %).
 */
export const REQUEST_RETRY: RetryPolicy = { retries: 4, initialDelayMs: 50, maxDelayMs: 1000, factor: 2 };
/**
 * A record the processor must get acknowledged by Kafka (an outcome, a dead letter) before its trigger can be
 * committed: tried until it is, or until the trigger's signal aborts (revoke, drain). A broker outage delays
 * the trigger, which is not committed meanwhile; it never turns a finished reconcile into a dead letter.
 */
export const BUS_PUBLISH_RETRY: RetryPolicy = { retries: Number.POSITIVE_INFINITY, initialDelayMs: 200, maxDelayMs: 5000, factor: 2 };
/** Tests use this so the suite never sleeps for seconds. */
export const fastRetryPolicy: RetryPolicy = { retries: 3, initialDelayMs: 5, maxDelayMs: 50, factor: 2 };

/** Whether another try can help: only a CrrError that says so. Programming errors and foreign errors never. */
export function isRetriable(err: unknown): boolean {
  return err instanceof CrrError && err.retriable;
}

/**
 * For a request retried in place: as isRetriable, except a changed (or vanished) source, which a retry of the
 * same pinned request cannot fix: the whole key is reconciled again instead (reconcile-key.ts).
 */
export function isRetriableInPlace(err: unknown): boolean {
  return isRetriable(err) && (err as CrrError).code !== 'SOURCE_CHANGED' && (err as CrrError).code !== 'NOT_FOUND';
}

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Default: isRetriable. */
  isRetriable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Once aborted, nothing more is tried: a sleep between attempts ends at once, with the signal's reason. */
  signal?: AbortSignal;
}

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** attempt);
  return Math.round(ceiling * random());
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise<void>((r) => setTimeout(r, ms));
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const policy = opts.policy ?? defaultRetryPolicy;
  const sleep = opts.sleep ?? realSleep;
  const retriable = opts.isRetriable ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const last = attempt >= policy.retries || opts.signal?.aborted;
      if (last || isProgrammingError(err) || !retriable(err)) throw err;
      const delay = backoffDelay(policy, attempt, opts.random);
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}
