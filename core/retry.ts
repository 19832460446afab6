// Retry as a small higher-order function: exponential backoff with full jitter. Whether an error is
// worth retrying is decided by the caller's classifier (a data table), never by ifs at call sites.
import { isProgrammingError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 5, initialDelayMs: 200, maxDelayMs: 10_000, factor: 2 };
/** Tests use this so the suite never sleeps for seconds. */
export const fastRetryPolicy: RetryPolicy = { retries: 3, initialDelayMs: 5, maxDelayMs: 50, factor: 2 };

export interface RetryOptions {
  policy?: RetryPolicy;
  isRetriable: (err: unknown) => boolean;
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
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const last = attempt >= policy.retries || opts.signal?.aborted;
      if (last || isProgrammingError(err) || !opts.isRetriable(err)) throw err;
      const delay = backoffDelay(policy, attempt, opts.random);
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}
