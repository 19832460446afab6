// Verification of a rule: list both buckets, merge-join the listings, and compare every key with the
// same "in sync" rule reconcile uses (marker aside). Versioned pairs compare whole version chains:
// the same sequence of contents and delete markers, oldest first. Used by `crr verify`, the demo and tests.
// With `origins`, it also reports for each replica what OSS set on it itself and the marker recorded of its
// origin: Last-Modified and owner, which no API can copy.
import { byteOrder, mergeJoin } from '../core/listing-merge-join.ts';
import type { Encryption, ListedObject, ObjectHead, ObjectStore } from '../core/ports/object-store.ts';
import { differences } from './reconcile/in-sync.ts';
import { markerOf } from './reconcile/marker.ts';
import { replicaEncryption } from './reconcile/replica-encryption.ts';

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
  /** The rule's destination.encryption and, under replicateSseKms, its replica key: as reconcile plans them. */
  encryption?: Encryption;
  replicaKmsKeyId?: string;
  /** Report each replica's origin (time, owner) beside its own (see ReplicaOrigin). */
  origins?: boolean;
  concurrency?: number;
  /** Called after each key is compared (a progress display reads the counts so far). */
  onCompared?: (report: Readonly<VerifyReport>) => void;
}

export interface KeyDifference { key: string; problem: string }

/** What a replica says of the write it copies (its marker) beside what OSS set on the replica itself. */
export interface ReplicaOrigin {
  key: string;
  /** Versioned pairs: the replica's version id. */
  versionId?: string;
  originBucket: string;
  /** The origin's Last-Modified, ISO 8601 (whole seconds, as OSS reports times). */
  originLastModified: string;
  /** The origin's owner id; null when the marker predates owners or the read named none. */
  originOwner: string | null;
  replicaLastModified: string;
  replicaOwner: string | null;
}

export interface VerifyReport {
  compared: number;
  inSync: number;
  onlyInSource: number;
  onlyInDestination: number;
  differing: number;
  versionsCompared: number;
  /** Source objects (versions) the rule does not replicate: SSE-KMS encrypted without replicateSseKms. Not differences. */
  skippedKms: number;
  differences: KeyDifference[];
  /** With `origins`: every replica with a marker, in key order. */
  origins?: ReplicaOrigin[];
}

export async function verifyRule(t: VerifyTarget): Promise<VerifyReport> {
  const report: VerifyReport = { compared: 0, inSync: 0, onlyInSource: 0, onlyInDestination: 0, differing: 0, versionsCompared: 0, skippedKms: 0, differences: [] };
  if (t.origins) report.origins = [];
  const rule = { storageClass: t.storageClass, encryption: t.encryption, replicaKmsKeyId: t.replicaKmsKeyId };
  // Listings name no encryption (OSS's do not): a key both sides hold is HEADed anyway, and a key the
  // destination lacks costs one HEAD of the source to tell a skipped SSE-KMS object from a missing replica.
  const notReplicated = (h: ObjectHead | null) => h !== null && replicaEncryption(h, rule).kind === 'skip-kms';
  const noteOrigin = (h: ObjectHead, versionId?: string) => {
    const m = report.origins && markerOf(h);
    if (!m) return;
    report.origins!.push({ key: h.key, ...(versionId ? { versionId } : {}), originBucket: m.originBucket, originLastModified: iso(m.originTime),
      originOwner: m.originOwner ?? null, replicaLastModified: iso(h.lastModified), replicaOwner: h.owner ?? null });
  };
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
        if (notReplicated(await t.source.headObject(t.sourceBucket, key))) return void report.skippedKms++;
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
      noteOrigin(b);
      if (notReplicated(a)) return void report.skippedKms++;
      const diff = differences(a, b, rule);
      if (diff.length) {
        report.differing++;
        return note(key, `differs in ${diff.join(', ')}`);
      }
      report.inSync++;
      return;
    }
    // Versioned: compare chains oldest first, by content crc (etag as fallback) and delete markers.
    // Source versions the rule does not replicate (SSE-KMS) are left out of the chain, as reconcile leaves them out.
    const chain = async (store: ObjectStore, bucket: string, versions: ListedObject[], side: 'source' | 'destination') =>
      (await Promise.all([...versions].reverse().map(async (v) => {
        if (v.isDeleteMarker) return 'delete-marker';
        const h = await store.headObject(bucket, key, v.versionId);
        if (side === 'source' && notReplicated(h)) {
          report.skippedKms++;
          return undefined;
        }
        if (side === 'destination' && h) noteOrigin(h, v.versionId ?? undefined);
        return h ? `${h.size}:${h.crc64 ?? h.etag}` : 'gone';
      }))).filter((x): x is string => x !== undefined);
    const [a, b] = await Promise.all([chain(t.source, t.sourceBucket, sLive, 'source'), chain(t.destination, t.destinationBucket, dLive, 'destination')]);
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
  report.origins?.sort((x, y) => byteOrder(x.key, y.key));
  return report;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether `needle` occurs in `hay` in order (not necessarily contiguous). */
function isSubsequence(needle: string[], hay: string[]): boolean {
  let i = 0;
  for (const h of hay) if (i < needle.length && h === needle[i]) i++;
  return i === needle.length;
}
