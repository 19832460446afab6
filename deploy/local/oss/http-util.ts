// Small HTTP helpers: parsing request targets, OSS date formats, request ids, and reading small bodies.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { wholeSeconds } from './clock.ts';
import { OssError } from './errors.ts';

export interface ParsedTarget {
  bucket: string; // '' for the service (ListBuckets)
  key: string; // '' for bucket-level requests
  query: Map<string, string>;
  rawQuery: string;
  /** The bucket came from the Host (`<bucket>.<served name>`), not from the path. */
  virtualHosted: boolean;
}

/**
 * Splits `/bucket/key?query` (path style), or `/key?query` when the Host named the bucket (`hostBucket`).
 * The path is percent-decoded (`+` is a plus there); the query is form-decoded, `+` being a space, as OSS
 * reads it: oss2 (through requests) sends `prefix=a+b` for "a b" and signs it as "a b", while ali-oss and
 * querystring send %20 and %2B.
 */
export function parseTarget(rawUrl: string, hostBucket?: string): ParsedTarget {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  const path = safeDecode(rawPath);
  const rest = path.startsWith('/') ? path.slice(1) : path;
  const slash = rest.indexOf('/');
  const bucket = hostBucket ?? (slash < 0 ? rest : rest.slice(0, slash));
  const key = hostBucket !== undefined ? rest : slash < 0 ? '' : rest.slice(slash + 1);
  const query = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    if (!query.has(k)) query.set(k, v);
  }
  return { bucket, key, query, rawQuery, virtualHosted: hostBucket !== undefined };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new OssError('InvalidArgument', 'The URL could not be decoded.');
  }
}

// Request ids: a random prefix per process and a counter (unique, cheap; OSS's are 24 hex digits too).
const REQUEST_ID_PREFIX = randomBytes(6).toString('hex').toUpperCase();
let requestCounter = 0;

export function newRequestId(): string {
  requestCounter = (requestCounter + 1) % 0x1000000000000;
  return REQUEST_ID_PREFIX + requestCounter.toString(16).toUpperCase().padStart(12, '0');
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * OSS XML timestamps: ISO 8601 at whole seconds, written with a `.000` fraction as OSS writes them. Times
 * are stored truncated already; truncating here too keeps data folders written by older versions right.
 */
export function isoDate(ms: number): string {
  return new Date(wholeSeconds(ms)).toISOString();
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** Reads a small request body (XML documents); bigger than `limit` is an error. */
export async function readSmallBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new OssError('EntityTooLarge');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Byte-order comparison of two keys (OSS lists keys by their UTF-8 bytes). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

export function validateObjectKey(key: string): void {
  const len = Buffer.byteLength(key);
  if (len === 0 || len > 1023) throw new OssError('InvalidObjectName', 'The length of the object name must be 1 to 1023 bytes.');
}
