// Multipart upload: initiate with the object's headers, stream each part, complete with the part list (OSS then
// answers with its `-N` etag), and find or abort uploads an interrupted copy left behind.
import type { Readable } from 'node:stream';
import type { MultipartUpload, UploadedPart, WriteResult } from '../../ports/object-store.ts';
import { completeMultipartXml, parseListParts, parseListUploads, unquote } from './listing-xml.ts';
import { wireHeaders } from './object-head.ts';
import { header } from './signed-request.ts';
import { bodyTimeout, type StoreContext } from './context.ts';
import { asBody, sendBody, writeResult } from './object-ops.ts';
import { childText, parseXml } from './xml.ts';

export async function initiateMultipart(ctx: StoreContext, bucket: string, key: string, headers: Record<string, string>): Promise<string> {
  const res = await ctx.request('InitiateMultipartUpload', { bucket, key }, {
    method: 'POST', object: key, subres: { uploads: '' }, headers: wireHeaders(headers), successStatuses: [200],
  });
  const uploadId = childText(parseXml(res.data ?? ''), 'UploadId');
  if (!uploadId) throw new Error('InitiateMultipartUpload answered without an UploadId');
  return uploadId;
}

export async function uploadPart(
  ctx: StoreContext, bucket: string, key: string, uploadId: string, partNumber: number, body: Readable | Buffer, size: number,
): Promise<string> {
  const { stream, size: length, headers } = asBody(body, size);
  const res = await sendBody(stream, length, (s) => ctx.request('UploadPart', { bucket, key, uploadId }, {
    method: 'PUT', object: key, subres: { partNumber: String(partNumber), uploadId },
    // An explicit type keeps ali-oss from guessing one from the key's extension; parts carry no metadata.
    headers: { 'Content-Type': 'application/octet-stream', ...headers }, stream: s, successStatuses: [200],
    timeout: bodyTimeout(ctx.timeoutMs, length),
  }), ctx.uploadLimit);
  return unquote(header(res, 'etag'));
}

export async function completeMultipart(
  ctx: StoreContext, bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[],
): Promise<WriteResult> {
  const res = await ctx.request('CompleteMultipartUpload', { bucket, key, uploadId }, {
    method: 'POST', object: key, subres: { uploadId }, mime: 'application/xml',
    content: Buffer.from(completeMultipartXml(parts), 'utf8'), successStatuses: [200],
  });
  return writeResult(res, res.data?.length ? childText(parseXml(res.data), 'ETag') : undefined);
}

export async function abortMultipart(ctx: StoreContext, bucket: string, key: string, uploadId: string): Promise<void> {
  await ctx.request('AbortMultipartUpload', { bucket, key, uploadId }, {
    method: 'DELETE', object: key, subres: { uploadId }, successStatuses: [204, 200],
  });
}

export async function listMultipartUploads(ctx: StoreContext, bucket: string, prefix?: string): Promise<MultipartUpload[]> {
  const all: MultipartUpload[] = [];
  let keyMarker: string | null = null;
  let uploadIdMarker: string | null = null;
  for (;;) {
    const query: Record<string, string | number> = { 'max-uploads': 1000 };
    if (prefix) query.prefix = prefix;
    if (keyMarker !== null) query['key-marker'] = keyMarker;
    if (uploadIdMarker !== null) query['upload-id-marker'] = uploadIdMarker;
    const res = await ctx.request('ListMultipartUploads', { bucket }, { method: 'GET', subres: { uploads: '' }, query, successStatuses: [200] });
    const page = parseListUploads(res.data ?? '');
    all.push(...page.uploads);
    if (!page.isTruncated || (page.nextKeyMarker === keyMarker && page.nextUploadIdMarker === uploadIdMarker)) return all;
    keyMarker = page.nextKeyMarker;
    uploadIdMarker = page.nextUploadIdMarker;
  }
}

export async function listParts(ctx: StoreContext, bucket: string, key: string, uploadId: string): Promise<UploadedPart[]> {
  const all: UploadedPart[] = [];
  let marker: string | null = null;
  for (;;) {
    const query: Record<string, string | number> = { 'max-parts': 1000 };
    if (marker !== null) query['part-number-marker'] = marker;
    const res = await ctx.request('ListParts', { bucket, key, uploadId }, { method: 'GET', object: key, subres: { uploadId }, query, successStatuses: [200] });
    const page = parseListParts(res.data ?? '');
    all.push(...page.parts);
    if (!page.isTruncated || page.nextPartNumberMarker === null || page.nextPartNumberMarker === marker) return all;
    marker = page.nextPartNumberMarker;
  }
}
