// Pure translation between the port's words and HTTP headers: an ObjectHead from HEAD's response headers, and
// header values to and from the wire (Node carries header bytes as latin1 strings; OSS stores UTF-8).
import type { ObjectAcl, ObjectHead } from '../../ports/object-store.ts';
import { unquote } from './listing-xml.ts';

type Headers = Record<string, string | string[] | undefined>;

/** A Unicode header value as the latin1 string whose bytes are its UTF-8 (what Node writes byte for byte). */
export function toWire(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}

/** The inverse of toWire; bytes that are not valid UTF-8 stay as they came (one char per byte). */
export function fromWire(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? value : decoded;
}

export function wireHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = toWire(String(v));
  return out;
}

const ACLS: ReadonlySet<string> = new Set(['default', 'private', 'public-read', 'public-read-write']);

export function toAcl(grant: string): ObjectAcl {
  return (ACLS.has(grant) ? grant : 'default') as ObjectAcl;
}

function one(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v.join(',') : v;
  return s === undefined ? undefined : fromWire(s);
}

function encryptionOf(headers: Headers): ObjectHead['encryption'] {
  const algorithm = one(headers, 'x-oss-server-side-encryption');
  if (algorithm === 'AES256' || algorithm === 'SM4') return { algorithm };
  if (algorithm === 'KMS') {
    const keyId = one(headers, 'x-oss-server-side-encryption-key-id');
    const data = one(headers, 'x-oss-server-side-data-encryption');
    return { algorithm, ...(keyId ? { keyId } : {}), ...(data === 'SM4' ? { dataEncryption: data } : {}) };
  }
  return undefined;
}

/** How many tags HEAD says the object has (GetObjectTagging is only worth a request when > 0). */
export function taggingCount(headers: Headers): number {
  return Number(one(headers, 'x-oss-tagging-count') ?? 0) || 0;
}

/** Everything HEAD says; tags, ACL and owner come from their own requests. */
export function headFromHeaders(key: string, headers: Headers, tags: Record<string, string>, acl: ObjectAcl, owner?: string): ObjectHead {
  const content: ObjectHead['headers'] = {};
  const pairs: [keyof ObjectHead['headers'], string][] = [
    ['contentType', 'content-type'], ['contentEncoding', 'content-encoding'], ['contentDisposition', 'content-disposition'],
    ['cacheControl', 'cache-control'], ['expires', 'expires'], ['contentLanguage', 'content-language'],
  ];
  for (const [field, name] of pairs) {
    const v = one(headers, name);
    if (v !== undefined) content[field] = v;
  }
  const userMeta: Record<string, string> = {};
  for (const name of Object.keys(headers).sort()) {
    if (name.startsWith('x-oss-meta-')) userMeta[name.slice('x-oss-meta-'.length)] = one(headers, name) ?? '';
  }
  const head: ObjectHead = {
    key,
    etag: unquote(one(headers, 'etag')),
    size: Number(one(headers, 'content-length') ?? 0),
    lastModified: Date.parse(one(headers, 'last-modified') ?? '') || 0,
    versionId: one(headers, 'x-oss-version-id') ?? null,
    headers: content,
    userMeta,
    tags,
    acl,
  };
  const crc64 = one(headers, 'x-oss-hash-crc64ecma');
  if (crc64) head.crc64 = crc64;
  const storageClass = one(headers, 'x-oss-storage-class');
  if (storageClass) head.storageClass = storageClass;
  const encryption = encryptionOf(headers);
  if (encryption) head.encryption = encryption;
  const objectType = one(headers, 'x-oss-object-type');
  if (objectType) head.objectType = objectType;
  if (owner) head.owner = owner;
  return head;
}
