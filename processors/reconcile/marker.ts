// The replica marker: one user-metadata entry (x-oss-meta-crr-origin) naming the write a replica is a copy
// of. It is what makes two-way sync safe (echo suppression, last-writer-wins) and maps versions.
//
// Format: `b=<bucket>;t=<ms>;e=<etag>[;v=<versionId>][;o=<owner id>]`, each value URL-escaped
// (encodeURIComponent), so the string is ASCII (OSS user metadata must be) and ';' or '=' inside a value cannot
// break parsing. Unknown fields are ignored on parse, so later versions may add some (o= came later: markers
// without it still parse). t and o record what OSS sets on the replica itself and no API can copy: the
// origin's Last-Modified and its owner.
import type { ObjectState, ReplicaMarker } from './types.ts';

/** The userMeta name (x-oss-meta-crr-origin on the wire). */
export const MARKER_META_KEY = 'crr-origin';

export function formatMarker(m: ReplicaMarker): string {
  const parts = [`b=${encodeURIComponent(m.originBucket)}`, `t=${Math.trunc(m.originTime)}`, `e=${encodeURIComponent(normalizeEtag(m.originEtag))}`];
  if (m.originVersionId) parts.push(`v=${encodeURIComponent(m.originVersionId)}`);
  if (m.originOwner) parts.push(`o=${encodeURIComponent(m.originOwner)}`);
  return parts.join(';');
}

/** Parses a marker; anything malformed gives undefined (a replica with a broken marker is treated as a plain object). */
export function parseMarker(text: string | undefined | null): ReplicaMarker | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 2048) return undefined;
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq);
    if (fields.has(name)) return undefined;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return undefined;
    }
    fields.set(name, value);
  }
  const bucket = fields.get('b');
  const time = fields.get('t');
  const etag = fields.get('e');
  if (!bucket || !time || !etag || !/^\d{1,16}$/.test(time)) return undefined;
  const marker: ReplicaMarker = { originBucket: bucket, originTime: Number(time), originEtag: etag };
  const version = fields.get('v');
  if (version) marker.originVersionId = version;
  const owner = fields.get('o');
  if (owner) marker.originOwner = owner;
  return marker;
}

/** The marker an object carries, if any. */
export function markerOf(state: ObjectState): ReplicaMarker | undefined {
  return parseMarker(state.userMeta[MARKER_META_KEY]);
}

/**
 * The write an object is: its marker if it is a replica, else an original write in `ownBucket` (its own
 * time, etag, version id and owner, when the read reported one).
 */
export function originOf(state: ObjectState, ownBucket: string): ReplicaMarker {
  const marker = markerOf(state);
  if (marker) return marker;
  const origin: ReplicaMarker = { originBucket: ownBucket, originTime: state.lastModified, originEtag: normalizeEtag(state.etag) };
  if (state.versionId) origin.originVersionId = state.versionId;
  if (state.owner) origin.originOwner = state.owner;
  return origin;
}

/** ETags compare without quotes and case (OSS returns upper-case hex, some clients lower-case it). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '').toUpperCase();
}

/** Same write: same origin bucket, time and etag. */
export function sameWrite(a: ReplicaMarker, b: ReplicaMarker): boolean {
  return a.originBucket === b.originBucket && a.originTime === b.originTime && normalizeEtag(a.originEtag) === normalizeEtag(b.originEtag);
}

/**
 * Identity of a write for version mapping: the origin's version id when it has a real one, else its time
 * and etag (writes made before versioning was enabled, or 'null' versions).
 */
export function writeIdentity(m: ReplicaMarker): string {
  if (m.originVersionId && m.originVersionId !== 'null') return `${m.originBucket}\u0000v\u0000${m.originVersionId}`;
  return `${m.originBucket}\u0000t\u0000${m.originTime}\u0000${normalizeEtag(m.originEtag)}`;
}
