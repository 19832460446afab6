// Verification of a rule: list both buckets, merge-join the listings, and compare every key with the
// same "in sync" rule reconcile uses (marker aside). Versioned pairs compare whole version chains:
// the same sequence of contents and delete markers, oldest first. Used by `crr verify`, the demo and tests.
import { byteOrder, mergeJoin } from '../core/listing-merge-join.ts';
import type { ListedObject, ObjectStore } from '../core/ports/object-store.ts';
import { differences } from './reconcile/in-sync.ts';

export interface VerifyTarget {
  source: ObjectStore;
  sourceBucket: string;
  destination: ObjectStore;
  destinationBucket: string;
  prefix?: string;
  /** PUT-only rules keep destination keys the source deleted: those are not differences. */
  action: 'ALL' | 'PUT';
  versioned: boolean;
  /** The rule's destination storage class: replicas must be in it (else in the source's), as reconcile plans. */
  storageClass?: string;
  concurrency?: number;
  /** Called after each key is compared (a progress display reads the counts so far). */
  onCompared?: (report: Readonly<VerifyReport>) => void;
}

export interface KeyDifference { key: string; problem: string }

export interface VerifyReport {
  compared: number;
  inSync: number;
  onlyInSource: number;
  onlyInDestination: number;
  differing: number;
  versionsCompared: number;
  differences: KeyDifference[];
}

export async function verifyRule(t: VerifyTarget): Promise<VerifyReport> {
  const report: VerifyReport = { compared: 0, inSync: 0, onlyInSource: 0, onlyInDestination: 0, differing: 0, versionsCompared: 0, differences: [] };
  const list = (store: ObjectStore, bucket: string) =>
    t.versioned ? store.listObjectVersions(bucket, { prefix: t.prefix }) : store.listObjects(bucket, { prefix: t.prefix });
  const pending: Promise<void>[] = [];
  const limit = t.concurrency ?? 16;
  const note = (key: string, problem: string) => {
    report.differences.push({ key, problem });
  };
  const compareKey = async (s: ListedObject[] | undefined, d: ListedObject[] | undefined) => {
    const key = (s ?? d)![0].key;
    report.compared++;
    const sLive = s?.filter((v) => t.versioned || !v.isDeleteMarker) ?? [];
    const dLive = d?.filter((v) => t.versioned || !v.isDeleteMarker) ?? [];
    if (!t.versioned) {
      if (!dLive.length) {
        report.onlyInSource++;
        return note(key, 'missing in destination');
      }
      if (!sLive.length) {
        if (t.action === 'PUT') return void report.inSync++;
        report.onlyInDestination++;
        return note(key, 'only in destination');
      }
      const [a, b] = await Promise.all([t.source.headObject(t.sourceBucket, key), t.destination.headObject(t.destinationBucket, key)]);
      if (!a || !b) return note(key, `vanished during verification (${a ? 'destination' : 'source'})`);
      const diff = differences(a, b, { storageClass: t.storageClass });
      if (diff.length) {
        report.differing++;
        return note(key, `differs in ${diff.join(', ')}`);
      }
      report.inSync++;
      return;
    }
    // Versioned: compare chains oldest first, by content crc (etag as fallback) and delete markers.
    const chain = async (store: ObjectStore, bucket: string, versions: ListedObject[]) =>
      Promise.all([...versions].reverse().map(async (v) => {
        if (v.isDeleteMarker) return 'delete-marker';
        const h = await store.headObject(bucket, key, v.versionId);
        return h ? `${h.size}:${h.crc64 ?? h.etag}` : 'gone';
      }));
    const [a, b] = await Promise.all([chain(t.source, t.sourceBucket, sLive), chain(t.destination, t.destinationBucket, dLive)]);
    report.versionsCompared += a.length;
    // ALL mirrors the chain exactly. PUT replicates every version and delete marker but no version delete, so
    // the destination holds the source's chain in order, plus what the source deleted for good.
    const same = t.action === 'ALL' ? a.join('|') === b.join('|') : isSubsequence(a, b);
    if (!same) {
      report.differing++;
      return note(key, `version chains differ: source [${a.join(', ')}] destination [${b.join(', ')}]`);
    }
    report.inSync++;
  };

  for await (const joined of mergeJoin(list(t.source, t.sourceBucket), list(t.destination, t.destinationBucket))) {
    pending.push(compareKey(joined.source, joined.destination).then(() => t.onCompared?.(report)));
    if (pending.length >= limit) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  report.differences.sort((x, y) => byteOrder(x.key, y.key));
  return report;
}

/** Whether `needle` occurs in `hay` in order (not necessarily contiguous). */
function isSubsequence(needle: string[], hay: string[]): boolean {
  let i = 0;
  for (const h of hay) if (i < needle.length && h === needle[i]) i++;
  return i === needle.length;
}
