// Multipart upload: initiate, upload part, upload part copy, complete (OSS `-N` ETag, combined CRC-64),
// abort, list parts and list uploads. Parts live as files under uploads/<id>/ until completion.
import { createHash, randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { ossNow } from '../clock.ts';
import { changeContext, objectUrl, principalOf, q, sendEmpty, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { compareKeys, header, isoDate, readSmallBody, validateObjectKey } from '../http-util.ts';
import type { Bucket } from '../store/bucket.ts';
import type { UploadPart, UploadRecord } from '../store/types.ts';
import { asArray, parseXml } from '../xml.ts';
import { receiveBody } from './body.ts';
import { checkCopySource } from './conditions.ts';
import { contentHeaders, encryptionHeaders, requestEncryption, objectAcl, parseTaggingHeader, quoteEtag, storageClass, userMeta } from './object-headers.ts';
import { copySourceVersion } from './object-write.ts';

const MIN_PART = 100 * 1024;

function upload(ctx: Ctx): UploadRecord {
  const bucket = ctx.bucket as Bucket;
  const id = q(ctx, 'uploadId') ?? '';
  const up = bucket.uploads.get(id);
  if (!up || up.key !== ctx.target.key) throw new OssError('NoSuchUpload', undefined, { extra: { UploadId: id } });
  return up;
}

function partNumber(ctx: Ctx): number {
  const v = q(ctx, 'partNumber') ?? '';
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10000) throw new OssError('InvalidArgument', 'Part number must be an integer between 1 and 10000.', { extra: { ArgumentName: 'partNumber', ArgumentValue: v } });
  return Number(v);
}

export async function initiateMultipartUpload(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  validateObjectKey(ctx.target.key);
  const up: UploadRecord = {
    uploadId: randomBytes(16).toString('hex').toUpperCase(), bucket: bucket.name, key: ctx.target.key, initiated: ossNow(),
    template: {
      headers: contentHeaders(ctx.req), meta: userMeta(ctx.req), acl: objectAcl(ctx.req), tags: parseTaggingHeader(header(ctx.req, 'x-oss-tagging')),
      ...requestEncryption(ctx.req, ctx.state.defaultKmsKeyId), storageClass: storageClass(ctx.req, bucket.record.storageClass), owner: principalOf(ctx),
    },
  };
  await ctx.state.store.saveUpload(up);
  bucket.uploads.set(up.uploadId, up);
  const urlEnc = q(ctx, 'encoding-type') === 'url';
  sendXml(ctx, 200, 'InitiateMultipartUploadResult', {
    EncodingType: urlEnc ? 'url' : undefined, Bucket: bucket.name, Key: urlEnc ? encodeURIComponent(up.key) : up.key, UploadId: up.uploadId,
  }, encryptionHeaders(up.template));
}

async function storePart(ctx: Ctx, up: UploadRecord, n: number, got: { path?: string; size: number; md5: Buffer; crc64: string }): Promise<UploadPart> {
  const store = ctx.state.store;
  const path = got.path as string;
  if (!(ctx.bucket as Bucket).uploads.has(up.uploadId)) {
    await rm(path, { force: true });
    throw new OssError('NoSuchUpload', undefined, { extra: { UploadId: up.uploadId } });
  }
  const part: UploadPart = { partNumber: n, etag: got.md5.toString('hex').toUpperCase(), size: got.size, crc64: got.crc64, md5: got.md5.toString('hex'), lastModified: ossNow() };
  try {
    await rename(path, store.partPath(up.uploadId, n));
    await store.savePart(up.uploadId, part);
  } catch (err) {
    // Aborted while the part was stored (its folder went): the upload is gone, not a server error.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (ctx.bucket as Bucket).uploads.has(up.uploadId)) throw err;
    await rm(path, { force: true });
    throw new OssError('NoSuchUpload', undefined, { extra: { UploadId: up.uploadId } });
  }
  return part;
}

export async function uploadPart(ctx: Ctx): Promise<void> {
  const up = upload(ctx);
  const n = partNumber(ctx);
  const got = await receiveBody(ctx);
  const part = await storePart(ctx, up, n, got);
  sendEmpty(ctx, 200, { etag: quoteEtag(part.etag), 'x-oss-hash-crc64ecma': part.crc64, 'content-md5': got.md5.toString('base64'), ...encryptionHeaders(up.template) });
}

export async function uploadPartCopy(ctx: Ctx): Promise<void> {
  const up = upload(ctx);
  const n = partNumber(ctx);
  const { bucket: srcBucket, version: src } = copySourceVersion(ctx);
  checkCopySource(ctx.req, src);
  let start = 0;
  let end = src.size - 1;
  const range = header(ctx.req, 'x-oss-copy-source-range');
  if (range) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
    if (!m || Number(m[1]) >= src.size || (m[2] !== '' && Number(m[2]) < Number(m[1]))) throw new OssError('InvalidArgument', 'x-oss-copy-source-range is not valid.');
    start = Number(m[1]);
    end = m[2] === '' ? src.size - 1 : Math.min(Number(m[2]), src.size - 1);
  }
  const blobs = ctx.state.store.blobs;
  const got = await blobs.receive(blobs.openRange(src.blob as string, start, end));
  const part = await storePart(ctx, up, n, got);
  const headers: Record<string, string> = { etag: quoteEtag(part.etag), 'x-oss-hash-crc64ecma': part.crc64, ...encryptionHeaders(up.template) };
  if (srcBucket.versioned) headers['x-oss-copy-source-version-id'] = src.versionId;
  sendXml(ctx, 200, 'CopyPartResult', { LastModified: isoDate(part.lastModified), ETag: quoteEtag(part.etag) }, headers);
}

export async function completeMultipartUpload(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const up = upload(ctx);
  const store = ctx.state.store;
  const stored = new Map((await store.listParts(up.uploadId)).map((p) => [p.partNumber, p]));
  const gone = () => new OssError('NoSuchUpload', undefined, { extra: { UploadId: up.uploadId } });
  // Aborted while its parts were read: the upload is gone (NoSuchUpload), not its parts wrong (InvalidPart).
  if (!bucket.uploads.has(up.uploadId)) throw gone();
  let chosen: UploadPart[];
  if (header(ctx.req, 'x-oss-complete-all') === 'yes') {
    chosen = [...stored.values()].sort((a, b) => a.partNumber - b.partNumber);
  } else {
    const doc = parseXml((await readSmallBody(ctx.req, 4 * 1024 * 1024)).toString('utf8'));
    const parts = asArray((doc?.CompleteMultipartUpload as Record<string, unknown> | undefined)?.Part as Record<string, unknown>[] | Record<string, unknown>);
    if (!doc?.CompleteMultipartUpload || parts.length === 0) throw new OssError('MalformedXML');
    chosen = [];
    let prev = 0;
    for (const p of parts) {
      const num = Number(String(p.PartNumber ?? '').trim());
      const etag = String(p.ETag ?? '').trim().replace(/^"|"$/g, '').toUpperCase();
      if (!(num > prev)) throw new OssError('InvalidPartOrder');
      prev = num;
      const s = stored.get(num);
      if (!s || s.etag !== etag) throw new OssError('InvalidPart', undefined, { extra: { PartNumber: String(num), ETag: etag } });
      chosen.push(s);
    }
  }
  if (!bucket.uploads.has(up.uploadId)) throw gone();
  if (chosen.length === 0) throw new OssError('InvalidPart', 'No parts were uploaded.');
  const current = bucket.latest(up.key);
  if (header(ctx.req, 'x-oss-forbid-overwrite') === 'true' && !bucket.versioned && current && !current.deleteMarker) throw new OssError('FileAlreadyExists');
  for (const p of chosen.slice(0, -1)) if (p.size < MIN_PART) throw new OssError('EntityTooSmall', undefined, { extra: { PartNumber: String(p.partNumber) } });
  let combined: { id: string; size: number; crc64: string };
  try {
    combined = await store.blobs.concat(chosen.map((p) => ({ path: store.partPath(up.uploadId, p.partNumber), size: p.size, crc64: p.crc64 })));
  } catch (err) {
    // An abort (or another complete) of this upload removed its parts while they were joined: the upload is
    // gone, which OSS answers NoSuchUpload, not a server error.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw gone();
    throw err;
  }
  if (!bucket.uploads.delete(up.uploadId)) {
    store.blobs.remove(combined.id);
    throw new OssError('NoSuchUpload', undefined, { extra: { UploadId: up.uploadId } });
  }
  const md5 = createHash('md5');
  for (const p of chosen) md5.update(Buffer.from(p.md5, 'hex'));
  const etag = `${md5.digest('hex').toUpperCase()}-${chosen.length}`;
  const { version, persisted } = bucket.putVersion(up.key, {
    ...up.template, blob: combined.id, size: combined.size, etag, crc64: combined.crc64, type: 'Multipart',
  }, 'ObjectCreated:CompleteMultipartUpload', changeContext(ctx));
  await persisted;
  await store.removeUpload(up.uploadId);
  const headers: Record<string, string> = { etag: quoteEtag(etag), 'x-oss-hash-crc64ecma': version.crc64, ...encryptionHeaders(version) };
  if (bucket.versioned) headers['x-oss-version-id'] = version.versionId;
  const urlEnc = q(ctx, 'encoding-type') === 'url';
  sendXml(ctx, 200, 'CompleteMultipartUploadResult', {
    EncodingType: urlEnc ? 'url' : undefined, Location: objectUrl(ctx, bucket.name, up.key), Bucket: bucket.name,
    Key: urlEnc ? encodeURIComponent(up.key) : up.key, ETag: quoteEtag(etag),
  }, headers);
}

export async function abortMultipartUpload(ctx: Ctx): Promise<void> {
  const up = upload(ctx);
  (ctx.bucket as Bucket).uploads.delete(up.uploadId);
  await ctx.state.store.removeUpload(up.uploadId);
  sendEmpty(ctx, 204);
}

export async function listParts(ctx: Ctx): Promise<void> {
  const up = upload(ctx);
  const marker = Number(q(ctx, 'part-number-marker') ?? '0') || 0;
  const max = Math.min(Number(q(ctx, 'max-parts') ?? '1000') || 1000, 1000);
  const all = (await ctx.state.store.listParts(up.uploadId)).filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  sendXml(ctx, 200, 'ListPartsResult', {
    Bucket: up.bucket, Key: up.key, UploadId: up.uploadId, PartNumberMarker: marker,
    NextPartNumberMarker: page.length ? page[page.length - 1].partNumber : marker, MaxParts: max, IsTruncated: truncated,
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: isoDate(p.lastModified), ETag: quoteEtag(p.etag), HashCrc64ecma: p.crc64, Size: p.size })),
  });
}

export async function listMultipartUploads(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const prefix = q(ctx, 'prefix') ?? '';
  const keyMarker = q(ctx, 'key-marker') ?? '';
  const idMarker = q(ctx, 'upload-id-marker') ?? '';
  const max = Math.min(Number(q(ctx, 'max-uploads') ?? '1000') || 1000, 1000);
  const all = [...bucket.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => compareKeys(a.key, b.key) || a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : 1))
    .filter((u) => {
      if (!keyMarker) return true;
      const c = compareKeys(u.key, keyMarker);
      return c > 0 || (c === 0 && idMarker !== '' && u.uploadId > idMarker);
    });
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const last = page[page.length - 1];
  sendXml(ctx, 200, 'ListMultipartUploadsResult', {
    Bucket: bucket.name, KeyMarker: keyMarker, UploadIdMarker: idMarker, NextKeyMarker: truncated ? last.key : '',
    NextUploadIdMarker: truncated ? last.uploadId : '', Delimiter: q(ctx, 'delimiter') ?? '', Prefix: prefix, MaxUploads: max,
    IsTruncated: truncated, Upload: page.map((u) => ({ Key: u.key, UploadId: u.uploadId, StorageClass: u.template.storageClass, Initiated: isoDate(u.initiated) })),
  });
}
