// Single-object operations: read the full state of a key, stream its body, write it, and change its metadata,
// ACL, tags or existence. Bodies stream both ways; nothing here holds a whole object in memory.
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { CrrError } from '../../errors.ts';
import type { GetOptions, ObjectAcl, ObjectBody, ObjectHead, PutOptions, WriteResult } from '../../ports/object-store.ts';
import { pacedBody, type BandwidthLimit } from './bandwidth-limit.ts';
import { classifyOssError } from './error-table.ts';
import { parseAcl, parseAclOwner, parseTagging, taggingXml, unquote } from './listing-xml.ts';
import { headFromHeaders, taggingCount, toAcl, wireHeaders } from './object-head.ts';
import { header, type RawResponse } from './signed-request.ts';
import { bodyTimeout, type StoreContext } from './context.ts';
import { childText, escapeXml, parseXml } from './xml.ts';

const versionSubres = (versionId?: string | null): Record<string, string> => (versionId ? { versionId } : {});

export function writeResult(res: RawResponse, etag?: string): WriteResult {
  const result: WriteResult = { etag: unquote(etag ?? header(res, 'etag')), versionId: header(res, 'x-oss-version-id') ?? null };
  const crc64 = header(res, 'x-oss-hash-crc64ecma');
  if (crc64) result.crc64 = crc64;
  return result;
}

/** Absent, for a read: not found, or (HEAD of a version) a delete marker, which OSS answers with 405. */
function isAbsent(err: unknown): boolean {
  return err instanceof CrrError && (err.code === 'NOT_FOUND' || err.context.status === 405);
}

/** GetObjectAcl's answer: the grant, and the owner OSS names (the one place an object's owner is read without a listing). */
function aclAnswer(r: { data?: Buffer | string | null }): { acl: ObjectAcl; owner?: string } {
  const doc = r.data ?? '';
  return { acl: toAcl(parseAcl(doc)), owner: parseAclOwner(doc) };
}

export async function headObject(ctx: StoreContext, bucket: string, key: string, versionId?: string | null): Promise<ObjectHead | null> {
  const scope = { bucket, key, versionId };
  const subres = versionSubres(versionId);
  try {
    const head = await ctx.request('HeadObject', scope, { method: 'HEAD', object: key, subres, successStatuses: [200] });
    const pinned = versionId ?? header(head, 'x-oss-version-id');
    const pin: Record<string, string> = pinned ? { versionId: pinned } : {};
    const [tags, acl] = await Promise.all([
      taggingCount(head.headers) > 0
        ? ctx.request('GetObjectTagging', scope, { method: 'GET', object: key, subres: { tagging: '', ...pin }, successStatuses: [200] })
          .then((r) => parseTagging(r.data ?? ''))
        : Promise.resolve({}),
      ctx.request('GetObjectAcl', scope, { method: 'GET', object: key, subres: { acl: '', ...pin }, successStatuses: [200] }).then(aclAnswer),
    ]);
    return headFromHeaders(key, head.headers, tags, acl.acl, acl.owner);
  } catch (err) {
    if (isAbsent(err)) return null; // also when the key vanished between HEAD and its tagging/ACL
    throw err;
  }
}

export async function getObject(ctx: StoreContext, bucket: string, key: string, opts: GetOptions = {}): Promise<ObjectBody> {
  const scope = { bucket, key, versionId: opts.versionId };
  const headers: Record<string, string> = {};
  if (opts.ifMatch) headers['If-Match'] = `"${unquote(opts.ifMatch)}"`;
  if (opts.range) headers.Range = `bytes=${opts.range.start}-${opts.range.end}`;
  const res = await ctx.request('GetObject', scope, {
    method: 'GET', object: key, subres: versionSubres(opts.versionId), headers, successStatuses: [200, 206], customResponse: true,
  });
  // A body that breaks mid-stream fails with a classified CrrError too, so callers see one kind of error.
  // (pipeline() would destroy the output with the raw error before any callback could classify it.)
  const stream = new PassThrough();
  res.res.on('error', (err) => stream.destroy(classifyOssError(err, { ...scope, op: 'GetObject', stage: 'source-read' })));
  // A body broken before the reader listens (an abort) must not crash the process; the reader still gets the
  // error (pipeline() and finished() see a stream that errored before them).
  stream.on('error', ignoreUnheard);
  stream.on('close', () => {
    if (!res.res.readableEnded) res.res.destroy(); // the reader gave up: free the connection
  });
  res.res.pipe(stream);
  return { stream, etag: unquote(header(res, 'etag')), size: Number(header(res, 'content-length') ?? 0) };
}

/** The 'error' listener that keeps a body's error from crashing the process before its reader listens. */
function ignoreUnheard(): void {}

export async function openObject(ctx: StoreContext, bucket: string, key: string): Promise<{ head: ObjectHead; stream: Readable } | null> {
  const scope = { bucket, key };
  const acl = ctx.request('GetObjectAcl', scope, { method: 'GET', object: key, subres: { acl: '' }, successStatuses: [200] }).then(aclAnswer);
  acl.catch(() => undefined); // awaited below; an absent key fails the GET first
  let res: RawResponse;
  try {
    res = await ctx.request('GetObject', scope, { method: 'GET', object: key, successStatuses: [200], customResponse: true });
  } catch (err) {
    if (isAbsent(err)) return null;
    throw err;
  }
  const stream = new PassThrough();
  res.res.on('error', (err) => stream.destroy(classifyOssError(err, { ...scope, op: 'GetObject', stage: 'source-read' })));
  // Nobody listens while the ACL and tags are read: a body broken meanwhile (a revoked partition's abort)
  // crashed `crr process` as an unheard 'error'. It is thrown below instead.
  stream.on('error', ignoreUnheard);
  stream.on('close', () => {
    if (!res.res.readableEnded) res.res.destroy();
  });
  res.res.pipe(stream);
  try {
    const versionId = header(res, 'x-oss-version-id');
    const tags = taggingCount(res.headers) > 0
      ? parseTagging((await ctx.request('GetObjectTagging', scope, { method: 'GET', object: key,
        subres: { tagging: '', ...versionSubres(versionId) }, successStatuses: [200] })).data ?? '')
      : {};
    const { acl: grant, owner } = await acl;
    if (stream.errored) throw stream.errored;
    return { head: headFromHeaders(key, res.headers, tags, grant, owner), stream };
  } catch (err) {
    stream.destroy();
    if (isAbsent(err)) return null; // gone between the GET and its ACL/tagging
    throw err;
  }
}

export async function putObject(ctx: StoreContext, bucket: string, key: string, body: Readable | Buffer, opts: PutOptions): Promise<WriteResult> {
  const { stream, size, headers } = asBody(body, opts.contentLength);
  if (opts.forbidOverwrite) headers['x-oss-forbid-overwrite'] = 'true';
  const res = await sendBody(stream, size, (s) => ctx.request('PutObject', { bucket, key }, {
    method: 'PUT', object: key, headers: { ...wireHeaders(opts.headers), ...headers }, stream: s, successStatuses: [200],
    timeout: bodyTimeout(ctx.timeoutMs, size),
  }), ctx.uploadLimit);
  return writeResult(res);
}

/**
 * Every body goes out as a stream with an explicit Content-Length (never chunked), so one path (sendBody)
 * checks every body's size. A Buffer also carries its Content-MD5, so OSS checks its bytes.
 */
export function asBody(body: Readable | Buffer, contentLength: number): { stream: Readable; size: number; headers: Record<string, string | number> } {
  if (!Buffer.isBuffer(body) && contentLength > 0) return { stream: body, size: contentLength, headers: { 'Content-Length': contentLength } };
  if (!Buffer.isBuffer(body)) body.resume(); // an empty stream: send an empty body
  const content = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  return {
    stream: Readable.from(content.length ? [content] : []),
    size: content.length,
    headers: { 'Content-Length': content.length, 'Content-MD5': createHash('md5').update(content).digest('base64') },
  };
}

/**
 * Sends a streamed body of exactly `size` bytes. When the body itself fails (say the source GET broke), that
 * failure is the one reported, not the aborted request it caused. A body shorter or
 * longer than announced fails at once instead of leaving OSS waiting for bytes until the timeout.
 */
export async function sendBody(body: Readable, size: number, request: (stream: Readable) => Promise<RawResponse>, limit?: BandwidthLimit): Promise<RawResponse> {
  let bodyError: unknown;
  let seen = 0;
  const mismatch = () => new CrrError(`the body had ${seen} bytes, not the ${size} announced`, {
    code: 'BODY_SIZE_MISMATCH', retriable: true, stage: 'source-read', context: { expected: size, actual: seen },
  });
  // A limit without a rate only counts bytes (the used-rate metric): it counts here, with no second stream per body.
  const countOnly = limit && limit.bytesPerSecond === undefined ? limit : undefined;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) return done(mismatch());
      countOnly?.take(chunk.length);
      done(null, chunk);
    },
    flush(done) {
      done(seen !== size ? mismatch() : null);
    },
  });
  // pipe() rather than pipeline() (see transport.ts); errors of either stream are recorded and end both.
  body.on('error', (err) => {
    bodyError = err;
    counted.destroy(err);
  });
  counted.on('error', (err) => {
    bodyError ??= err;
  });
  body.pipe(counted);
  // The destination's bandwidth limit paces what goes on the wire (and counts it), after the size check.
  const out = limit && !countOnly ? pacedBody(limit) : counted;
  if (out !== counted) {
    counted.on('error', (err) => out.destroy(err));
    counted.pipe(out);
  }
  try {
    return await request(out);
  } catch (err) {
    if (bodyError instanceof CrrError) throw bodyError;
    throw err;
  } finally {
    if (!body.destroyed && !body.readableEnded) body.destroy();
    if (out !== counted && !out.destroyed && !out.readableEnded) out.destroy();
  }
}

export async function replaceMetadata(ctx: StoreContext, bucket: string, key: string, headers: Record<string, string>): Promise<WriteResult> {
  const res = await ctx.request('CopyObject', { bucket, key }, {
    method: 'PUT',
    object: key,
    headers: {
      ...wireHeaders(headers),
      'x-oss-copy-source': `/${bucket}/${encodeURIComponent(key)}`,
      'x-oss-metadata-directive': 'REPLACE',
    },
    successStatuses: [200],
  });
  return writeResult(res, res.data?.length ? childText(parseXml(res.data), 'ETag') : undefined);
}

export async function putAcl(ctx: StoreContext, bucket: string, key: string, acl: ObjectAcl, versionId?: string | null): Promise<void> {
  await ctx.request('PutObjectAcl', { bucket, key, versionId }, {
    method: 'PUT', object: key, subres: { acl: '', ...versionSubres(versionId) }, headers: { 'x-oss-object-acl': acl }, successStatuses: [200],
  });
}

export async function putTags(ctx: StoreContext, bucket: string, key: string, tags: Record<string, string>, versionId?: string | null): Promise<void> {
  if (Object.keys(tags).length === 0) return deleteTags(ctx, bucket, key, versionId);
  await ctx.request('PutObjectTagging', { bucket, key, versionId }, {
    method: 'PUT', object: key, subres: { tagging: '', ...versionSubres(versionId) }, mime: 'application/xml',
    content: Buffer.from(taggingXml(tags, escapeXml), 'utf8'), successStatuses: [200],
  });
}

export async function deleteTags(ctx: StoreContext, bucket: string, key: string, versionId?: string | null): Promise<void> {
  await ctx.request('DeleteObjectTagging', { bucket, key, versionId }, {
    method: 'DELETE', object: key, subres: { tagging: '', ...versionSubres(versionId) }, successStatuses: [204, 200],
  });
}

export async function deleteObject(ctx: StoreContext, bucket: string, key: string, versionId?: string | null): Promise<{ deleteMarker: boolean; versionId?: string | null }> {
  const res = await ctx.request('DeleteObject', { bucket, key, versionId }, {
    method: 'DELETE', object: key, subres: versionSubres(versionId), successStatuses: [204, 200],
  });
  return { deleteMarker: header(res, 'x-oss-delete-marker') === 'true', versionId: header(res, 'x-oss-version-id') ?? null };
}
