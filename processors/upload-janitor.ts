// Aborts multipart uploads that interrupted copies left on destination buckets. A key's own reconcile
// cleans its leftovers when it can (copy-object.ts: abortLeftUploads); this sweep catches the rest, e.g. a
// crash mid-copy of a key whose source was deleted before anyone reconciled it again. It looks only under
// the prefixes of the rules that write each bucket, and aborts only what upload-leases.ts calls abandoned:
// uploads this tool recorded that nobody has written for the lease. Users' own uploads, uploads outside the
// rules' prefixes and long copies still writing parts are never touched.
import type { Logger } from '../core/logging.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { UploadLeases } from './upload-leases.ts';

/** One destination bucket and the prefixes its rules replicate ([] or [''] for the whole bucket). */
export interface JanitorTarget { store: ObjectStore; bucket: string; prefixes: string[] }

export async function abortAbandonedUploads(targets: JanitorTarget[], leases: UploadLeases, now: number, logger: Logger): Promise<number> {
  await leases.refresh();
  let aborted = 0;
  for (const t of targets) {
    const prefixes = t.prefixes.length && !t.prefixes.includes('') ? t.prefixes : [undefined];
    const matched = new Set<string>(); // records of uploads OSS still lists
    for (const prefix of prefixes) {
      for (const u of await t.store.listMultipartUploads(t.bucket, prefix)) {
        const record = leases.recordOf(t.bucket, u);
        if (record) matched.add(record[0]);
        if (!(await leases.abortIfAbandoned(t.store, t.bucket, u))) continue;
        aborted++;
        logger.info({ bucket: t.bucket, key: u.key, uploadId: u.uploadId }, 'aborted an abandoned multipart upload');
      }
    }
    // Records of uploads OSS lists no more (completed or aborted and the tombstone lost, or never initiated)
    // are dropped once they are older than the lease.
    for (const r of leases.recordsOf(t.bucket)) {
      const underPrefix = prefixes.some((p) => p === undefined || r.key.startsWith(p));
      if (underPrefix && !matched.has(r.id) && now - r.startedAt > leases.leaseMs) await leases.closed(r);
    }
  }
  return aborted;
}

/**
 * Sweeps now and then every `intervalMs`; failures are logged and retried at the next sweep. `targets` is asked
 * at each sweep: the destinations of the live rules (a rule applied on the rules topic is swept from then on).
 */
export function startUploadJanitor(targets: () => JanitorTarget[], opts: { leases: UploadLeases; intervalMs: number; logger: Logger; now?: () => number }): { stop(): void } {
  const now = opts.now ?? Date.now;
  let running: Promise<unknown> | undefined;
  const sweep = () => {
    running ??= abortAbandonedUploads(targets(), opts.leases, now(), opts.logger)
      .catch((err) => opts.logger.warn({ err: (err as Error).message }, 'upload sweep failed; will retry'))
      .finally(() => { running = undefined; });
  };
  sweep();
  const timer = setInterval(sweep, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
