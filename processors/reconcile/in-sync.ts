// DESIGN §4 rule 1, "in sync": what differs between a source object and its destination copy. The
// replica marker is ignored: it records where a write came from, not what the object is.
import { MARKER_META_KEY, normalizeEtag } from './marker.ts';
import { encryptionMatches, replicaEncryption, type EncryptionRule } from './replica-encryption.ts';
import type { ContentHeaders, Difference, ObjectState } from './types.ts';

/** What "in sync" reads of a rule: the replica's storage class and encryption. */
export type SyncRule = { storageClass?: string } & Partial<EncryptionRule>;

export const CONTENT_HEADER_FIELDS: readonly (keyof ContentHeaders)[] = [
  'contentType', 'contentEncoding', 'contentDisposition', 'cacheControl', 'expires', 'contentLanguage',
];

/** OSS reports no storage class for nothing but Standard objects (and HEAD always names it). */
const classOf = (c: string | undefined) => c || 'Standard';

/**
 * The storage class a replica must have: the rule's, else the source's. A rule with a storage class makes
 * the source's class irrelevant (e.g. replicas kept in IA whatever the source uses).
 */
export function wantedStorageClass(source: ObjectState, rule: { storageClass?: string }): string {
  return classOf(rule.storageClass ?? source.storageClass);
}

/**
 * The differences between two states, in a fixed order; empty means in sync. With `rule`, the replica's
 * storage class and encryption count too (see wantedStorageClass, replica-encryption.ts); without it (version
 * chains, whose versions cannot change either in place) they do not. A source the rule does not replicate
 * (SSE-KMS without a replica key) has no encryption difference: the planner skips it before asking.
 */
export function differences(source: ObjectState, destination: ObjectState, rule?: SyncRule): Difference[] {
  const out: Difference[] = [];
  if (!sameContent(source, destination)) out.push('content');
  if (!sameHeaders(source.headers, destination.headers)) out.push('headers');
  if (!sameRecord(metaWithoutMarker(source.userMeta), metaWithoutMarker(destination.userMeta))) out.push('meta');
  if (!sameRecord(source.tags, destination.tags)) out.push('tags');
  if (source.acl !== destination.acl) out.push('acl');
  if (rule && wantedStorageClass(source, rule) !== classOf(destination.storageClass)) out.push('storage-class');
  if (rule) {
    const wanted = replicaEncryption(source, rule);
    if (wanted.kind === 'replicate' && !encryptionMatches(wanted.encryption, destination.encryption)) out.push('encryption');
  }
  return out;
}

export function inSync(source: ObjectState, destination: ObjectState): boolean {
  return differences(source, destination).length === 0;
}

/**
 * CRC-64 when both sides report it (ETags of multipart uploads depend on the part size, so two copies of
 * the same bytes can have different ETags), else ETag and size. Size is compared in both cases: it is
 * always known and a different size is a different content whatever a checksum says.
 */
export function sameContent(a: ObjectState, b: ObjectState): boolean {
  if (a.size !== b.size) return false;
  if (a.crc64 && b.crc64) return a.crc64 === b.crc64;
  return normalizeEtag(a.etag) === normalizeEtag(b.etag);
}

/** An empty header value is the same as an absent one (OSS does not return empty headers). */
export function sameHeaders(a: ContentHeaders, b: ContentHeaders): boolean {
  return CONTENT_HEADER_FIELDS.every((f) => (a[f] || undefined) === (b[f] || undefined));
}

export function metaWithoutMarker(meta: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) if (k.toLowerCase() !== MARKER_META_KEY) out[k.toLowerCase()] = v;
  return out;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && b[k] === a[k]);
}
