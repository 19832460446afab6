// Per-request retries for the reads of a reconcile. A versioned reconcile reads every version on both
// sides (tens of requests); retrying only the whole reconcile would need all of them to succeed in one
// attempt, which a few percent of throttling already makes unlikely. Reads are idempotent, so each is
// retried on its own; writes stay with the whole-reconcile retry, which re-plans from fresh reads.
import { decorateStore, type ObjectStore } from '../core/ports/object-store.ts';
import { REQUEST_RETRY, withRetry, type RetryPolicy } from '../core/retry.ts';

/** The store with its reads retried in place; a signal-bound view of it also stops retrying (and sleeping) on abort. */
export function withReadRetries(store: ObjectStore, policy: RetryPolicy = REQUEST_RETRY): ObjectStore {
  return decorateStore(store, (inner) => {
    const again = <T>(fn: () => Promise<T>) => withRetry(fn, { policy, signal: inner.signal });
    return {
      headObject: (bucket, key, versionId) => again(() => inner.headObject(bucket, key, versionId)),
      openObject: (bucket, key) => again(() => inner.openObject(bucket, key)),
      listKeyVersions: (bucket, key) => again(() => inner.listKeyVersions(bucket, key)),
      isVersioned: (bucket) => again(() => inner.isVersioned(bucket)),
      listMultipartUploads: (bucket, prefix) => again(() => inner.listMultipartUploads(bucket, prefix)),
    };
  });
}
