// Per-request retries for the reads of a reconcile. A versioned reconcile reads every version on both
// sides (tens of requests); retrying only the whole reconcile would need all of them to succeed in one
// attempt, which a few percent of throttling already makes unlikely. Reads are idempotent, so each is
// retried on its own; writes stay with the whole-reconcile retry, which re-plans from fresh reads.
import { CrrError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { withRetry, type RetryPolicy } from '../core/retry.ts';

export const READ_RETRY: RetryPolicy = { retries: 4, initialDelayMs: 50, maxDelayMs: 1000, factor: 2 };

const retriable = (err: unknown) => err instanceof CrrError && err.retriable;

export function withReadRetries(store: ObjectStore, policy: RetryPolicy = READ_RETRY): ObjectStore {
  const again = <T>(fn: () => Promise<T>) => withRetry(fn, { policy, isRetriable: retriable });
  const wrapped: ObjectStore = Object.create(store) as ObjectStore;
  wrapped.headObject = (bucket, key, versionId) => again(() => store.headObject(bucket, key, versionId));
  wrapped.openObject = (bucket, key) => again(() => store.openObject(bucket, key));
  wrapped.listKeyVersions = (bucket, key) => again(() => store.listKeyVersions(bucket, key));
  wrapped.isVersioned = (bucket) => again(() => store.isVersioned(bucket));
  wrapped.listMultipartUploads = (bucket, prefix) => again(() => store.listMultipartUploads(bucket, prefix));
  return wrapped;
}
