// ListObjects, ListObjectsV2 and ListObjectVersions: query parsing and the ListBucketResult /
// ListVersionsResult documents.
import { q, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { isoDate } from '../http-util.ts';
import { listObjects, listVersions, type Entry } from '../listing.ts';
import type { Bucket } from '../store/bucket.ts';
import { toXml, type XmlNode } from '../xml.ts';
import { ownerXml } from './object-sub.ts';

function maxKeys(ctx: Ctx, name = 'max-keys'): number {
  const v = q(ctx, name);
  if (v === undefined || v === '') return 100;
  if (!/^\d+$/.test(v) || Number(v) > 1000) throw new OssError('InvalidArgument', `${name} must be an integer between 0 and 1000.`, { extra: { ArgumentName: name, ArgumentValue: v } });
  return Number(v);
}

function encoder(ctx: Ctx): (s: string | undefined) => string | undefined {
  const et = q(ctx, 'encoding-type');
  if (et !== undefined && et !== 'url') throw new OssError('InvalidArgument', 'encoding-type must be url.');
  return et === 'url' ? (s) => (s === undefined ? s : encodeURIComponent(s)) : (s) => s;
}

function contents(ctx: Ctx, e: Extract<Entry, { kind: 'object' }>, enc: (s: string) => string | undefined, owner: boolean): XmlNode {
  const v = e.version;
  return {
    Key: enc(e.key), LastModified: isoDate(v.lastModified), ETag: `"${v.etag}"`, Type: v.type, Size: v.size,
    StorageClass: v.storageClass, Owner: owner ? ownerXml(ctx) : undefined,
  };
}

function split(entries: Entry[]) {
  return {
    objects: entries.filter((e): e is Extract<Entry, { kind: 'object' }> => e.kind === 'object'),
    prefixes: entries.filter((e): e is Extract<Entry, { kind: 'prefix' }> => e.kind === 'prefix').map((e) => e.prefix),
  };
}

export async function listObjectsV1(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const enc = encoder(ctx);
  const query = { prefix: q(ctx, 'prefix') ?? '', delimiter: q(ctx, 'delimiter') ?? '', marker: q(ctx, 'marker') ?? '', maxKeys: maxKeys(ctx) };
  const page = listObjects(bucket, query);
  const { objects, prefixes } = split(page.entries);
  sendXml(ctx, 200, 'ListBucketResult', {
    Name: bucket.name, Prefix: enc(query.prefix), Marker: enc(query.marker), MaxKeys: query.maxKeys, Delimiter: enc(query.delimiter),
    EncodingType: q(ctx, 'encoding-type'), IsTruncated: page.truncated, NextMarker: enc(page.nextKeyMarker),
    Contents: objects.map((e) => contents(ctx, e, enc as (s: string) => string, true)),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

export async function listObjectsV2(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const enc = encoder(ctx);
  const token = q(ctx, 'continuation-token');
  let marker = q(ctx, 'start-after') ?? '';
  if (token) {
    marker = Buffer.from(token, 'base64url').toString('utf8');
    if (!marker) throw new OssError('InvalidArgument', 'continuation-token is not valid.');
  }
  const query = { prefix: q(ctx, 'prefix') ?? '', delimiter: q(ctx, 'delimiter') ?? '', marker, maxKeys: maxKeys(ctx) };
  const page = listObjects(bucket, query);
  const { objects, prefixes } = split(page.entries);
  const fetchOwner = q(ctx, 'fetch-owner') === 'true';
  sendXml(ctx, 200, 'ListBucketResult', {
    Name: bucket.name, Prefix: enc(query.prefix), StartAfter: enc(q(ctx, 'start-after')), ContinuationToken: token,
    MaxKeys: query.maxKeys, Delimiter: enc(query.delimiter), EncodingType: q(ctx, 'encoding-type'), IsTruncated: page.truncated,
    NextContinuationToken: page.nextKeyMarker === undefined ? undefined : Buffer.from(page.nextKeyMarker).toString('base64url'),
    KeyCount: page.entries.length,
    Contents: objects.map((e) => contents(ctx, e, enc as (s: string) => string, fetchOwner)),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

export async function listObjectVersions(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const enc = encoder(ctx);
  const query = {
    prefix: q(ctx, 'prefix') ?? '', delimiter: q(ctx, 'delimiter') ?? '', marker: q(ctx, 'key-marker') ?? '',
    versionIdMarker: q(ctx, 'version-id-marker') ?? '', maxKeys: maxKeys(ctx),
  };
  const page = listVersions(bucket, query);
  const head = toXml({
    Name: bucket.name, Prefix: enc(query.prefix), KeyMarker: enc(query.marker), VersionIdMarker: query.versionIdMarker,
    MaxKeys: query.maxKeys, Delimiter: enc(query.delimiter), EncodingType: q(ctx, 'encoding-type'), IsTruncated: page.truncated,
    NextKeyMarker: enc(page.nextKeyMarker), NextVersionIdMarker: page.nextVersionIdMarker,
  });
  let body = head;
  for (const e of page.entries) {
    if (e.kind === 'prefix') continue;
    const v = e.version;
    body += v.deleteMarker
      ? toXml({ DeleteMarker: { Key: enc(e.key), VersionId: v.versionId, IsLatest: e.isLatest, LastModified: isoDate(v.lastModified), Owner: ownerXml(ctx) } })
      : toXml({ Version: { Key: enc(e.key), VersionId: v.versionId, IsLatest: e.isLatest, LastModified: isoDate(v.lastModified), ETag: `"${v.etag}"`,
        Type: v.type, Size: v.size, StorageClass: v.storageClass, Owner: ownerXml(ctx) } });
  }
  body += toXml({ CommonPrefixes: split(page.entries).prefixes.map((p) => ({ Prefix: enc(p) })) });
  sendXml(ctx, 200, 'ListVersionsResult', body);
}
