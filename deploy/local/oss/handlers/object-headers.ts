// Request headers → stored object attributes (content headers, user metadata, ACL, tags, encryption,
// storage class), with OSS's validation; and a stored version → the response headers OSS sends.
import type { IncomingMessage } from 'node:http';
import { OssError } from '../errors.ts';
import { httpDate } from '../http-util.ts';
import { CONTENT_HEADERS, type ObjectVersion } from '../store/types.ts';

export const OBJECT_ACLS = new Set(['default', 'private', 'public-read', 'public-read-write']);
export const BUCKET_ACLS = new Set(['private', 'public-read', 'public-read-write']);
const STORAGE_CLASSES = new Map(['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'].map((s) => [s.toLowerCase(), s]));

export function contentHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of CONTENT_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string') out[h] = v;
  }
  if (!out['content-type']) out['content-type'] = 'application/octet-stream';
  return out;
}

export function userMeta(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(req.headers)) {
    if (name.startsWith('x-oss-meta-') && v !== undefined) out[name.slice(11)] = Array.isArray(v) ? v.join(',') : v;
  }
  if (Buffer.byteLength(JSON.stringify(out)) > 8 * 1024) throw new OssError('InvalidArgument', 'User metadata is larger than 8 KB.');
  return out;
}

export function objectAcl(req: IncomingMessage): string {
  const acl = (req.headers['x-oss-object-acl'] as string | undefined) ?? 'default';
  if (!OBJECT_ACLS.has(acl)) throw new OssError('InvalidArgument', `The ACL "${acl}" is not valid.`, { extra: { ArgumentName: 'x-oss-object-acl', ArgumentValue: acl } });
  return acl;
}

export function storageClass(req: IncomingMessage, fallback: string): string {
  const v = req.headers['x-oss-storage-class'] as string | undefined;
  if (v === undefined) return fallback;
  const s = STORAGE_CLASSES.get(v.toLowerCase());
  if (!s) throw new OssError('InvalidStorageClass', undefined, { status: 400, extra: { ArgumentValue: v } });
  return s;
}

export interface Encryption { sse?: string; sseKeyId?: string; sseDataEncryption?: string }

/**
 * Server-side encryption as a write asks for it (PutObject, CopyObject, InitiateMultipartUpload, the first
 * AppendObject, PostObject fields): x-oss-server-side-encryption AES256 | SM4 | KMS; with KMS, a key id
 * (empty is refused, as OSS's 0005-00000205 says; absent means the account's default managed key, whose
 * id OSS reports back) and x-oss-server-side-data-encryption SM4 (KMS only; AES-256 when absent).
 * `defaultKmsKeyId` stands in for that managed key.
 */
export function encryption(get: (name: string) => string | undefined, defaultKmsKeyId: string): Encryption {
  const sse = get('x-oss-server-side-encryption');
  const keyId = get('x-oss-server-side-encryption-key-id');
  const data = get('x-oss-server-side-data-encryption');
  if (sse === undefined) {
    if (keyId !== undefined) throw new OssError('InvalidArgument', 'x-oss-server-side-encryption-key-id needs x-oss-server-side-encryption: KMS.');
    return {};
  }
  if (!['AES256', 'KMS', 'SM4'].includes(sse)) throw new OssError('InvalidEncryptionAlgorithmError', `The encryption "${sse}" is not valid.`);
  if (sse !== 'KMS') {
    if (keyId !== undefined) throw new OssError('InvalidArgument', 'A KMS key id is only valid with KMS encryption.');
    return { sse };
  }
  if (keyId !== undefined && keyId.trim() === '') throw new OssError('InvalidArgument', 'x-oss-server-side-encryption-key-id is empty.');
  if (data !== undefined && data !== 'SM4') throw new OssError('InvalidArgument', `x-oss-server-side-data-encryption "${data}" is not valid; it can only be SM4.`);
  const out: Encryption = { sse, sseKeyId: keyId ?? defaultKmsKeyId };
  if (data) out.sseDataEncryption = data;
  return out;
}

/** The request's own headers, as `encryption` reads them. */
export function requestEncryption(req: IncomingMessage, defaultKmsKeyId: string): Encryption {
  return encryption((name) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  }, defaultKmsKeyId);
}

/** The encryption response headers OSS sends for an object (writes, GET, HEAD, multipart steps). */
export function encryptionHeaders(e: Encryption): Record<string, string> {
  const h: Record<string, string> = {};
  if (e.sse) h['x-oss-server-side-encryption'] = e.sse;
  if (e.sseKeyId) h['x-oss-server-side-encryption-key-id'] = e.sseKeyId;
  if (e.sseDataEncryption) h['x-oss-server-side-data-encryption'] = e.sseDataEncryption;
  return h;
}

/** `k1=v1&k2=v2` (URL-encoded), as in `x-oss-tagging`. */
export function parseTaggingHeader(value: string | undefined): [string, string][] {
  if (!value) return [];
  const tags: [string, string][] = [];
  for (const part of value.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    try {
      const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      tags.push([k, v]);
    } catch {
      throw new OssError('InvalidTag', 'x-oss-tagging is not valid.');
    }
  }
  validateTags(tags);
  return tags;
}

export function validateTags(tags: [string, string][]): void {
  if (tags.length > 10) throw new OssError('InvalidTag', 'An object can have at most 10 tags.');
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (!k || k.length > 128 || v.length > 256) throw new OssError('InvalidTag', 'A tag key must be 1-128 and a value 0-256 characters.');
    if (seen.has(k)) throw new OssError('InvalidTag', `Duplicate tag key "${k}".`);
    seen.add(k);
  }
}

/** Headers GET, HEAD and GetObjectMeta return for a version. */
export function versionHeaders(v: ObjectVersion, versioned: boolean): Record<string, string> {
  const h: Record<string, string> = {
    etag: `"${v.etag}"`,
    'last-modified': httpDate(v.lastModified),
    'x-oss-object-type': v.type,
    'x-oss-hash-crc64ecma': v.crc64,
    'x-oss-storage-class': v.storageClass,
    'accept-ranges': 'bytes',
  };
  for (const [k, val] of Object.entries(v.headers)) h[k] = val;
  for (const [k, val] of Object.entries(v.meta)) h[`x-oss-meta-${k}`] = val;
  if (v.contentMd5) h['content-md5'] = v.contentMd5;
  if (versioned) h['x-oss-version-id'] = v.versionId;
  if (v.tags.length) h['x-oss-tagging-count'] = String(v.tags.length);
  Object.assign(h, encryptionHeaders(v));
  if (v.type === 'Appendable') h['x-oss-next-append-position'] = String(v.size);
  return h;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}
