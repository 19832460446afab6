// GetObject (ranges, conditions, versionId, response-* overrides), HeadObject and GetObjectMeta.
import { q, sendStream, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { header } from '../http-util.ts';
import type { Bucket } from '../store/bucket.ts';
import type { ObjectVersion } from '../store/types.ts';
import { checkRead } from './conditions.ts';
import { versionHeaders } from './object-headers.ts';

const OVERRIDES: [string, string][] = [
  ['response-content-type', 'content-type'], ['response-content-language', 'content-language'], ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'], ['response-content-disposition', 'content-disposition'], ['response-content-encoding', 'content-encoding'],
];

export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'invalid' };

/** Parses one `bytes=` range against `size`: explicit, open (`a-`) and suffix (`-n`) forms. */
export function parseRange(value: string | undefined, size: number): RangeResult {
  if (!value) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'invalid' };
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'invalid' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || (m[2] !== '' && Number(m[2]) < start)) return { kind: 'invalid' };
  return { kind: 'partial', start, end };
}

function resolveForRead(ctx: Ctx): { bucket: Bucket; version: ObjectVersion } {
  const bucket = ctx.bucket as Bucket;
  return { bucket, version: bucket.resolve(ctx.target.key, q(ctx, 'versionId'), true) };
}

function withConditions(ctx: Ctx, bucket: Bucket, v: ObjectVersion): void {
  try {
    checkRead(ctx.req, v);
  } catch (err) {
    if (err instanceof OssError && err.code === 'NotModified') {
      const h = versionHeaders(v, bucket.versioned);
      throw new OssError('NotModified', undefined, { headers: { etag: h.etag, 'last-modified': h['last-modified'] } });
    }
    throw err;
  }
}

export async function getObject(ctx: Ctx): Promise<void> {
  const { bucket, version: v } = resolveForRead(ctx);
  withConditions(ctx, bucket, v);
  if (ctx.req.method === 'GET' && ['Archive', 'ColdArchive', 'DeepColdArchive'].includes(v.storageClass)) {
    throw new OssError('InvalidObjectState', 'The operation is not valid for the object\'s state.');
  }
  const headers = versionHeaders(v, bucket.versioned);
  if (ctx.req.method === 'GET') {
    for (const [param, name] of OVERRIDES) {
      const val = q(ctx, param);
      if (val !== undefined) headers[name] = val;
    }
  }
  let range = ctx.req.method === 'GET' ? parseRange(header(ctx.req, 'range'), v.size) : { kind: 'full' as const };
  if (range.kind === 'invalid') {
    if (header(ctx.req, 'x-oss-range-behavior') === 'standard') {
      throw new OssError('InvalidRange', undefined, { headers: { 'content-range': `bytes */${v.size}` } });
    }
    range = { kind: 'full' };
  }
  const store = ctx.state.store.blobs;
  if (range.kind === 'partial') {
    const len = range.end - range.start + 1;
    headers['content-range'] = `bytes ${range.start}-${range.end}/${v.size}`;
    headers['content-length'] = String(len);
    delete headers['content-md5'];
    await sendStream(ctx, 206, headers, store.openRange(v.blob as string, range.start, range.end), len);
    return;
  }
  headers['content-length'] = String(v.size);
  if (ctx.req.method === 'HEAD' || v.size === 0) {
    ctx.res.writeHead(200, headers);
    ctx.res.end();
    return;
  }
  await sendStream(ctx, 200, headers, store.openRange(v.blob as string, 0, v.size - 1), v.size);
}

export async function getObjectMeta(ctx: Ctx): Promise<void> {
  const { bucket, version: v } = resolveForRead(ctx);
  const h = versionHeaders(v, bucket.versioned);
  const out: Record<string, string> = {
    etag: h.etag, 'last-modified': h['last-modified'], 'x-oss-hash-crc64ecma': h['x-oss-hash-crc64ecma'],
    'x-oss-last-access-time': h['last-modified'], 'content-length': String(v.size),
  };
  if (h['x-oss-version-id']) out['x-oss-version-id'] = h['x-oss-version-id'];
  ctx.res.writeHead(200, out);
  ctx.res.end();
}
