// The exact request headers of the writes a plan asks for: the PUT of a copy, and the in-place CopyObject
// that replaces a replica's metadata. Pure; the applier sends them unchanged.
import { CONTENT_HEADER_FIELDS, metaWithoutMarker, wantedStorageClass } from './in-sync.ts';
import { MARKER_META_KEY, formatMarker } from './marker.ts';
import { encryptionHeaders, replicaEncryption } from './replica-encryption.ts';
import type { ContentHeaders, Encryption, ObjectState, ReplicaMarker, RuleView } from './types.ts';


export const CONTENT_HEADER_NAMES: Record<keyof ContentHeaders, string> = {
  contentType: 'Content-Type',
  contentEncoding: 'Content-Encoding',
  contentDisposition: 'Content-Disposition',
  cacheControl: 'Cache-Control',
  expires: 'Expires',
  contentLanguage: 'Content-Language',
};
export const META_PREFIX = 'x-oss-meta-';

/** OSS's x-oss-tagging value: URL-encoded k=v pairs joined by '&' (sorted, so plans are deterministic). */
export function encodeTagging(tags: Record<string, string>): string {
  return Object.keys(tags).sort().map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(tags[k] ?? '')}`).join('&');
}

/** The inverse of encodeTagging; malformed escapes are kept as they are. */
export function decodeTagging(value: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (!value) return tags;
  for (const pair of value.split('&')) {
    const eq = pair.indexOf('=');
    const k = eq < 0 ? pair : pair.slice(0, eq);
    const v = eq < 0 ? '' : pair.slice(eq + 1);
    tags[safeDecode(k)] = safeDecode(v);
  }
  return tags;
}

/**
 * Headers for the PUT of a replica: content headers, user metadata (the source's own marker replaced by
 * `origin`), tags, ACL (omitted for 'default', which is what a new object gets anyway), the encryption the
 * replica must have (replica-encryption.ts) and its storage class (the rule's, else the source's; see in-sync.ts).
 */
export function copyHeaders(source: ObjectState, rule: RuleView, origin: ReplicaMarker): Record<string, string> {
  const h = describedHeaders(source, origin);
  const tagging = encodeTagging(source.tags);
  if (tagging) h['x-oss-tagging'] = tagging;
  if (source.acl !== 'default') h['x-oss-object-acl'] = source.acl;
  Object.assign(h, encryptionHeaders(wantedEncryption(source, rule)));
  // Stated even for Standard: left out, the destination bucket's default class would apply, and the replica
  // would differ from what "in sync" asks of it.
  h['x-oss-storage-class'] = wantedStorageClass(source, rule);
  return h;
}

/**
 * Headers for CopyObject(destination → destination) replacing metadata in place. A copy is a new write to
 * OSS, so everything is stated: metadata and tagging directives REPLACE, the ACL (even 'default'), the
 * encryption the replica must have (else the destination's current one: CopyObject does not keep it unasked)
 * and the storage class the replica must have (the rule's, else the source's).
 */
export function replaceMetaHeaders(source: ObjectState, destination: ObjectState, rule: RuleView, origin: ReplicaMarker): Record<string, string> {
  const h = describedHeaders(source, origin);
  h['x-oss-metadata-directive'] = 'REPLACE';
  h['x-oss-tagging-directive'] = 'Replace';
  const tagging = encodeTagging(source.tags);
  if (tagging) h['x-oss-tagging'] = tagging;
  h['x-oss-object-acl'] = source.acl;
  Object.assign(h, encryptionHeaders(wantedEncryption(source, rule) ?? destination.encryption));
  h['x-oss-storage-class'] = wantedStorageClass(source, rule);
  return h;
}

/** The encryption a write of this replica states; a source the rule does not replicate never gets this far. */
function wantedEncryption(source: ObjectState, rule: RuleView): Encryption | undefined {
  const wanted = replicaEncryption(source, rule);
  return wanted.kind === 'replicate' ? wanted.encryption : undefined;
}

/** Content headers and user metadata with the new marker: what describes the object itself. */
function describedHeaders(source: ObjectState, origin: ReplicaMarker): Record<string, string> {
  const h: Record<string, string> = {};
  for (const f of CONTENT_HEADER_FIELDS) {
    const v = source.headers[f];
    if (v) h[CONTENT_HEADER_NAMES[f]] = v;
  }
  for (const [k, v] of Object.entries(metaWithoutMarker(source.userMeta))) h[META_PREFIX + k] = v;
  h[META_PREFIX + MARKER_META_KEY] = formatMarker(origin);
  return h;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
