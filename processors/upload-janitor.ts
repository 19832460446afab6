// Aborts multipart uploads that an interrupted copy left on a destination bucket. A copy that is
// retried aborts its key's leftovers itself (copy-object.ts); this sweep catches the rest, e.g. a
// crash mid-copy of a key whose source was deleted before anyone reconciled it again. Only uploads
// older than `maxAgeMs` are touched, so copies in flight on other processors are left alone.
import type { Logger } from '../core/logging.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';

export interface JanitorTarget { store: ObjectStore; bucket: string }

export async function abortAbandonedUploads(targets: JanitorTarget[], maxAgeMs: number, now: number, logger: Logger): Promise<number> {
  let aborted = 0;
  for (const t of targets) {
    for (const u of await t.store.listMultipartUploads(t.bucket)) {
      if (now - u.initiated < maxAgeMs) continue;
      await t.store.abortMultipart(t.bucket, u.key, u.uploadId);
      aborted++;
      logger.info({ bucket: t.bucket, key: u.key, uploadId: u.uploadId }, 'aborted an abandoned multipart upload');
    }
  }
  return aborted;
}

/** Sweeps now and then every `intervalMs`; failures are logged and retried at the next sweep. */
export function startUploadJanitor(targets: JanitorTarget[], opts: { maxAgeMs: number; intervalMs: number; logger: Logger; now?: () => number }): { stop(): void } {
  const now = opts.now ?? Date.now;
  const sweep = () => abortAbandonedUploads(targets, opts.maxAgeMs, now(), opts.logger)
    .catch((err) => opts.logger.warn({ err: (err as Error).message }, 'upload sweep failed; will retry'));
  void sweep();
  const timer = setInterval(sweep, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
