// OSS signature V4 (`OSS4-HMAC-SHA256`), in the Authorization header or in presigned-URL query parameters,
// with the canonical request built as OSS specifies (and ali-oss implements).
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ParsedTarget } from '../http-util.ts';
import { SUBRESOURCES } from './v1.ts';

export function encodeV4(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface V4Parts {
  accessKeyId: string;
  date: string; // yyyymmdd
  region: string;
  product: string;
  additionalHeaders: string[];
  signature: string;
}

/** Parses `OSS4-HMAC-SHA256 Credential=ak/date/region/oss/aliyun_v4_request,AdditionalHeaders=a;b,Signature=hex`. */
export function parseAuthorizationV4(value: string): V4Parts | null {
  const body = value.slice('OSS4-HMAC-SHA256'.length).trim();
  const fields = new Map<string, string>();
  for (const part of body.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const cred = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!cred || !signature) return null;
  return parseCredential(cred, fields.get('AdditionalHeaders'), signature);
}

export function parseCredential(cred: string, additional: string | undefined, signature: string): V4Parts | null {
  const p = cred.split('/');
  if (p.length !== 5 || p[4] !== 'aliyun_v4_request') return null;
  return {
    accessKeyId: p[0], date: p[1], region: p[2], product: p[3], signature,
    additionalHeaders: additional ? additional.split(';').map((h) => h.trim().toLowerCase()).filter(Boolean) : [],
  };
}

function canonicalQuery(query: Map<string, string>, sort: (a: string, b: string) => number, bareEmpty: (k: string) => boolean): string {
  return [...query.entries()]
    .filter(([k]) => k !== 'x-oss-signature')
    .map(([k, v]) => [k, v] as const)
    .sort((a, b) => sort(a[0], b[0]))
    .map(([k, v]) => (v === '' && bareEmpty(k) ? encodeV4(k) : `${encodeV4(k)}=${encodeV4(v)}`))
    .join('&');
}

export function canonicalRequestsV4(req: IncomingMessage, target: ParsedTarget, additional: string[], presigned: boolean): string[] {
  const uriRaw = `/${target.bucket ? `${target.bucket}/` : ''}${target.key}`;
  const uri = encodeV4(uriRaw).replace(/%2F/g, '/');
  const names = new Set(additional);
  for (const name of Object.keys(req.headers)) {
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) names.add(name);
  }
  const headerLines = [...names].sort().map((n) => {
    const v = req.headers[n];
    return `${n}:${(Array.isArray(v) ? v.join(',') : String(v ?? '')).trim()}\n`;
  }).join('');
  const payload = presigned ? 'UNSIGNED-PAYLOAD' : ((req.headers['x-oss-content-sha256'] as string | undefined) ?? 'UNSIGNED-PAYLOAD');
  // OSS sorts query names by bytes and writes an empty value as the bare name. ali-oss sorts with
  // localeCompare and writes `name=` for empty ordinary parameters (bare only for sub-resources); the URL
  // cannot tell them apart, so each reading is tried. They differ only for unusual names or empty values.
  const bytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const locale = (a: string, b: string) => a.localeCompare(b);
  const all = () => true;
  const subOnly = (k: string) => SUBRESOURCES.has(k);
  const orders = new Set([
    canonicalQuery(target.query, bytes, all), canonicalQuery(target.query, locale, all),
    canonicalQuery(target.query, bytes, subOnly), canonicalQuery(target.query, locale, subOnly),
  ]);
  return [...orders].map((q) => [(req.method ?? 'GET').toUpperCase(), uri, q, headerLines, additional.join(';'), payload].join('\n'));
}

export function signatureV4(secret: string, parts: V4Parts, timestamp: string, canonicalRequest: string): string {
  const scope = `${parts.date}/${parts.region}/${parts.product}/aliyun_v4_request`;
  const stringToSign = ['OSS4-HMAC-SHA256', timestamp, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  return createHmac('sha256', signingKey(secret, parts)).update(stringToSign).digest('hex');
}

// The signing key depends only on secret, day, region and product: derived once, not per request (bounded).
const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string, parts: V4Parts): Buffer {
  const id = `${parts.date}\n${parts.region}\n${parts.product}\n${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    const kDate = createHmac('sha256', `aliyun_v4${secret}`).update(parts.date).digest();
    const kRegion = createHmac('sha256', kDate).update(parts.region).digest();
    const kProduct = createHmac('sha256', kRegion).update(parts.product).digest();
    key = createHmac('sha256', kProduct).update('aliyun_v4_request').digest();
    if (signingKeys.size >= 1024) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** `20240102T030405Z` → epoch ms, or NaN. */
export function parseV4Timestamp(ts: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(ts);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}
