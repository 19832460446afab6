// Merge-joins two listings of one bucket (previous and current, both in OSS order) and yields one
// change per difference. Memory holds one key's versions at a time, never the bucket.
import type { SnapshotEntry } from './snapshot.ts';

export interface ListingChange {
  kind: 'PUT' | 'DELETE' | 'DELETE_MARKER';
  key: string;
  versionId: string | null;
  etag: string | null;
  size: number | null;
  lastModified: number | null;
}

function compareKeys(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Groups consecutive entries of one key. */
async function* byKey(entries: AsyncIterable<SnapshotEntry>): AsyncGenerator<SnapshotEntry[]> {
  let group: SnapshotEntry[] = [];
  for await (const e of entries) {
    if (group.length && group[0].key !== e.key) {
      yield group;
      group = [];
    }
    group.push(e);
  }
  if (group.length) yield group;
}

// Last-modified counts too: an overwrite with the same bytes (new headers, metadata or ACL in the PUT) keeps the
// etag and size, and would otherwise never be seen. OSS reports Last-Modified in whole seconds, so such an
// overwrite within the same second as the write it replaces looks identical in a listing and is not seen
// (only events show it); any later change of the key, or a full-compare backfill, reconciles it.
const same = (a: SnapshotEntry, b: SnapshotEntry) =>
  a.etag === b.etag && a.size === b.size && a.isDeleteMarker === b.isDeleteMarker && a.lastModified === b.lastModified;

function created(e: SnapshotEntry): ListingChange {
  return { kind: e.isDeleteMarker ? 'DELETE_MARKER' : 'PUT', key: e.key, versionId: e.versionId, etag: e.isDeleteMarker ? null : e.etag,
    size: e.isDeleteMarker ? null : e.size, lastModified: e.lastModified };
}

function removed(e: SnapshotEntry): ListingChange {
  return { kind: 'DELETE', key: e.key, versionId: e.versionId, etag: null, size: null, lastModified: null };
}

// An object of an unversioned listing is the version OSS calls "null" once versioning is turned on: the same
// object, not a delete and a put (which would publish every key of the bucket again).
const versionKey = (e: SnapshotEntry) => e.versionId ?? 'null';

/** The changes that turn one key's old versions (newest first) into its new ones. */
export function diffKey(before: SnapshotEntry[], after: SnapshotEntry[]): ListingChange[] {
  const out: ListingChange[] = [];
  const oldById = new Map(before.map((e) => [versionKey(e), e]));
  const newIds = new Set(after.map(versionKey));
  for (const e of before) if (!newIds.has(versionKey(e))) out.push(removed(e));
  // New versions oldest first, the order they were written in.
  for (const e of [...after].reverse()) {
    const old = oldById.get(versionKey(e));
    if (!old || !same(old, e)) out.push(created(e));
  }
  return out;
}

export async function* diffListings(previous: AsyncIterable<SnapshotEntry>, current: AsyncIterable<SnapshotEntry>): AsyncGenerator<ListingChange> {
  const olds = byKey(previous)[Symbol.asyncIterator]();
  const news = byKey(current)[Symbol.asyncIterator]();
  let a = await olds.next();
  let b = await news.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value[0].key, b.value[0].key);
    if (order < 0) {
      yield* diffKey(a.value!, []);
      a = await olds.next();
    } else if (order > 0) {
      yield* diffKey([], b.value!);
      b = await news.next();
    } else {
      yield* diffKey(a.value!, b.value!);
      a = await olds.next();
      b = await news.next();
    }
  }
}
