// PutObject, CopyObject and AppendObject.
import { createHash } from 'node:crypto';
import { changeContext, principalOf, q, sendEmpty, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { header, isoDate, validateObjectKey } from '../http-util.ts';
import type { Bucket } from '../store/bucket.ts';
import type { ObjectVersion } from '../store/types.ts';
import { crc64Combine } from '../../../../core/crc64.ts';
import { commitBody, discardBody, receiveBody } from './body.ts';
import { contentHeaders, encryptionHeaders, requestEncryption, objectAcl, parseTaggingHeader, quoteEtag, storageClass, userMeta } from './object-headers.ts';
import { checkCopySource } from './conditions.ts';

function forbidOverwrite(ctx: Ctx, bucket: Bucket, key: string): void {
  if (header(ctx.req, 'x-oss-forbid-overwrite') !== 'true' || bucket.versioned) return;
  const cur = bucket.latest(key);
  if (cur && !cur.deleteMarker) throw new OssError('FileAlreadyExists');
}

function writeHeaders(bucket: Bucket, v: ObjectVersion): Record<string, string> {
  const h: Record<string, string> = { etag: quoteEtag(v.etag), 'x-oss-hash-crc64ecma': v.crc64 };
  if (bucket.versioned) h['x-oss-version-id'] = v.versionId;
  return { ...h, ...encryptionHeaders(v) };
}

export async function putObject(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const key = ctx.target.key;
  validateObjectKey(key);
  const attrs = {
    headers: contentHeaders(ctx.req), meta: userMeta(ctx.req), acl: objectAcl(ctx.req),
    tags: parseTaggingHeader(header(ctx.req, 'x-oss-tagging')), ...requestEncryption(ctx.req, ctx.state.defaultKmsKeyId),
    storageClass: storageClass(ctx.req, bucket.record.storageClass), owner: principalOf(ctx),
  };
  forbidOverwrite(ctx, bucket, key);
  const body = await receiveBody(ctx, { inline: true });
  try {
    forbidOverwrite(ctx, bucket, key);
  } catch (err) {
    await discardBody(body);
    throw err;
  }
  const blob = await commitBody(ctx, body);
  const { version, persisted } = bucket.putVersion(key, {
    ...attrs, blob, size: body.size, etag: body.md5.toString('hex').toUpperCase(), crc64: body.crc64, type: 'Normal',
    contentMd5: body.md5.toString('base64'),
  }, 'ObjectCreated:PutObject', changeContext(ctx));
  await persisted;
  sendEmpty(ctx, 200, { ...writeHeaders(bucket, version), 'content-md5': body.md5.toString('base64') });
}

/** `/bucket/key?versionId=x`, URL-encoded, as in `x-oss-copy-source`. */
export function parseCopySource(value: string): { bucket: string; key: string; versionId?: string } {
  let v = value;
  let versionId: string | undefined;
  const qi = v.indexOf('?');
  if (qi >= 0) {
    const params = new URLSearchParams(v.slice(qi + 1));
    versionId = params.get('versionId') ?? undefined;
    v = v.slice(0, qi);
  }
  let path: string;
  try {
    path = decodeURIComponent(v);
  } catch {
    throw new OssError('InvalidArgument', 'x-oss-copy-source is not valid.');
  }
  if (path.startsWith('/')) path = path.slice(1);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new OssError('InvalidArgument', 'x-oss-copy-source is not valid.');
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1), versionId };
}

export function copySourceVersion(ctx: Ctx): { bucket: Bucket; version: ObjectVersion } {
  const src = parseCopySource(header(ctx.req, 'x-oss-copy-source') ?? '');
  const srcBucket = ctx.state.store.buckets.get(src.bucket);
  if (!srcBucket) throw new OssError('NoSuchBucket', undefined, { extra: { BucketName: src.bucket } });
  const version = srcBucket.resolve(src.key, src.versionId, true);
  if (['Archive', 'ColdArchive', 'DeepColdArchive'].includes(version.storageClass)) throw new OssError('InvalidObjectState');
  return { bucket: srcBucket, version };
}

export async function copyObject(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const key = ctx.target.key;
  validateObjectKey(key);
  const { bucket: srcBucket, version: src } = copySourceVersion(ctx);
  checkCopySource(ctx.req, src);
  const directive = header(ctx.req, 'x-oss-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new OssError('InvalidArgument', 'x-oss-metadata-directive must be COPY or REPLACE.');
  const tagDirective = (header(ctx.req, 'x-oss-tagging-directive') ?? 'Copy').toLowerCase();
  if (tagDirective !== 'copy' && tagDirective !== 'replace') throw new OssError('InvalidArgument', 'x-oss-tagging-directive must be Copy or Replace.');
  const replace = directive === 'REPLACE';
  const attrs = {
    headers: replace ? contentHeaders(ctx.req) : { ...src.headers },
    meta: replace ? userMeta(ctx.req) : { ...src.meta },
    tags: tagDirective === 'replace' ? parseTaggingHeader(header(ctx.req, 'x-oss-tagging')) : src.tags.map(([k, v]) => [k, v] as [string, string]),
    acl: objectAcl(ctx.req), ...requestEncryption(ctx.req, ctx.state.defaultKmsKeyId), storageClass: storageClass(ctx.req, bucket.record.storageClass), owner: principalOf(ctx),
  };
  forbidOverwrite(ctx, bucket, key);
  const blob = await ctx.state.store.blobs.copy(src.blob as string, src.size);
  forbidOverwrite(ctx, bucket, key);
  const { version, persisted } = bucket.putVersion(key, {
    ...attrs, blob, size: src.size, etag: src.etag, crc64: src.crc64, type: src.type === 'Multipart' ? 'Multipart' : 'Normal', contentMd5: src.contentMd5,
  }, 'ObjectCreated:CopyObject', changeContext(ctx));
  await persisted;
  const headers = writeHeaders(bucket, version);
  if (srcBucket.versioned) headers['x-oss-copy-source-version-id'] = src.versionId;
  sendXml(ctx, 200, 'CopyObjectResult', { ETag: quoteEtag(version.etag), LastModified: isoDate(version.lastModified) }, headers);
}


const appendLocks = new Map<string, Promise<void>>();

/** Runs `job` after every earlier append to the same key has finished. */
async function withKeyLock<T>(id: string, job: () => Promise<T>): Promise<T> {
  const prev = appendLocks.get(id) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  appendLocks.set(id, tail);
  await prev;
  try {
    return await job();
  } finally {
    release();
    if (appendLocks.get(id) === tail) appendLocks.delete(id);
  }
}

export async function appendObject(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const key = ctx.target.key;
  validateObjectKey(key);
  const posText = q(ctx, 'position') ?? '';
  if (!/^\d+$/.test(posText)) throw new OssError('InvalidArgument', 'position is not valid.', { extra: { ArgumentName: 'position' } });
  const position = Number(posText);
  await withKeyLock(`${bucket.name}/${key}`, async () => {
    const cur = bucket.latest(key);
    const live = cur && !cur.deleteMarker ? cur : undefined;
    if (live && live.type !== 'Appendable') throw new OssError('ObjectNotAppendable');
    const expected = live ? live.size : 0;
    if (position !== expected) throw new OssError('PositionNotEqualToLength', undefined, { headers: { 'x-oss-next-append-position': String(expected) } });
    if (!live) {
      const attrs = {
        headers: contentHeaders(ctx.req), meta: userMeta(ctx.req), acl: objectAcl(ctx.req), tags: parseTaggingHeader(header(ctx.req, 'x-oss-tagging')),
        ...requestEncryption(ctx.req, ctx.state.defaultKmsKeyId), storageClass: storageClass(ctx.req, bucket.record.storageClass), owner: principalOf(ctx),
      };
      const body = await receiveBody(ctx);
      const blob = await commitBody(ctx, body);
      const { version, persisted } = bucket.putVersion(key, {
        ...attrs, blob, size: body.size, etag: appendEtag('', body.crc64, body.size), crc64: body.crc64, type: 'Appendable',
      }, 'ObjectCreated:AppendObject', changeContext(ctx));
      await persisted;
      sendEmpty(ctx, 200, { ...writeHeaders(bucket, version), 'x-oss-next-append-position': String(version.size) });
      return;
    }
    const body = await receiveBody(ctx, { dest: { path: ctx.state.store.blobs.path(live.blob as string), start: live.size } });
    // The version may have been replaced while the body streamed in; appending to it then is meaningless.
    if (bucket.latest(key) !== live) throw new OssError('PositionNotEqualToLength', undefined, { status: 409 });
    const size = live.size + body.size;
    const crc = crc64Combine(live.crc64, body.crc64, body.size);
    await bucket.mutate(key, live, (v, now) => {
      v.size = size;
      v.crc64 = crc;
      v.etag = appendEtag(v.etag, crc, size);
      v.lastModified = now;
    }, 'ObjectCreated:AppendObject', changeContext(ctx), body.size);
    sendEmpty(ctx, 200, { ...writeHeaders(bucket, live), 'x-oss-next-append-position': String(size) });
  });
}

/** Appendable objects have no content MD5; OSS gives them an opaque ETag that changes with every append. */
function appendEtag(prev: string, crc: string, size: number): string {
  return createHash('md5').update(`${prev}:${crc}:${size}`).digest('hex').toUpperCase();
}
