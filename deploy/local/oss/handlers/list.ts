// ListObjects, ListObjectsV2 and ListObjectVersions: query parsing and the ListBucketResult /
// ListVersionsResult documents.
import { q, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { isoDate } from '../http-util.ts';
import { listObjects, listVersions, type Entry } from '../listing.ts';
import type { Bucket } from '../store/bucket.ts';
import type { ObjectVersion } from '../store/types.ts';
import { escapeXml, toXml } from '../xml.ts';

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

/**
 * Entry elements written straight to a string: a page of 1,000 entries through the generic toXml tree cost
 * the server more CPU than the listing itself. The output is the same, element for element. A page's entries
 * share few distinct times, so each is formatted once per page.
 */
function entryWriter(ctx: Ctx, enc: (s: string) => string | undefined) {
  const dates = new Map<number, string>();
  const date = (ms: number) => {
    let d = dates.get(ms);
    if (d === undefined) dates.set(ms, (d = isoDate(ms)));
    return d;
  };
  const id = escapeXml(String(ctx.state.accountId));
  const owner = `<Owner><ID>${id}</ID><DisplayName>${id}</DisplayName></Owner>`;
  const opt = (name: string, v: string | number | undefined) => (v === undefined || v === null ? '' : `<${name}>${escapeXml(String(v))}</${name}>`);
  const body = (v: ObjectVersion) => `<ETag>&quot;${escapeXml(v.etag)}&quot;</ETag>${opt('Type', v.type)}<Size>${v.size}</Size>${opt('StorageClass', v.storageClass)}`;
  return {
    contents: (e: ObjectEntry, withOwner: boolean) =>
      `<Contents><Key>${escapeXml(enc(e.key) as string)}</Key><LastModified>${date(e.version.lastModified)}</LastModified>${body(e.version)}${withOwner ? owner : ''}</Contents>`,
    version: (e: ObjectEntry) => {
      const v = e.version;
      const head = `<Key>${escapeXml(enc(e.key) as string)}</Key>${opt('VersionId', v.versionId)}<IsLatest>${e.isLatest}</IsLatest><LastModified>${date(v.lastModified)}</LastModified>`;
      return v.deleteMarker ? `<DeleteMarker>${head}${owner}</DeleteMarker>` : `<Version>${head}${body(v)}${owner}</Version>`;
    },
  };
}

type ObjectEntry = Extract<Entry, { kind: 'object' }>;

function entries(ctx: Ctx, enc: (s: string) => string | undefined, objects: ObjectEntry[], withOwner: boolean): string {
  const write = entryWriter(ctx, enc);
  let out = '';
  for (const e of objects) out += write.contents(e, withOwner);
  return out;
}

function split(entries: Entry[]) {
  return {
    objects: entries.filter((e): e is ObjectEntry => e.kind === 'object'),
    prefixes: entries.filter((e): e is Extract<Entry, { kind: 'prefix' }> => e.kind === 'prefix').map((e) => e.prefix),
  };
}

export async function listObjectsV1(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const enc = encoder(ctx);
  const query = { prefix: q(ctx, 'prefix') ?? '', delimiter: q(ctx, 'delimiter') ?? '', marker: q(ctx, 'marker') ?? '', maxKeys: maxKeys(ctx) };
  const page = listObjects(bucket, query);
  const { objects, prefixes } = split(page.entries);
  sendXml(ctx, 200, 'ListBucketResult', toXml({
    Name: bucket.name, Prefix: enc(query.prefix), Marker: enc(query.marker), MaxKeys: query.maxKeys, Delimiter: enc(query.delimiter),
    EncodingType: q(ctx, 'encoding-type'), IsTruncated: page.truncated, NextMarker: enc(page.nextKeyMarker),
  }) + entries(ctx, enc, objects, true) + toXml({ CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })) }));
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
  sendXml(ctx, 200, 'ListBucketResult', toXml({
    Name: bucket.name, Prefix: enc(query.prefix), StartAfter: enc(q(ctx, 'start-after')), ContinuationToken: token,
    MaxKeys: query.maxKeys, Delimiter: enc(query.delimiter), EncodingType: q(ctx, 'encoding-type'), IsTruncated: page.truncated,
    NextContinuationToken: page.nextKeyMarker === undefined ? undefined : Buffer.from(page.nextKeyMarker).toString('base64url'),
    KeyCount: page.entries.length,
  }) + entries(ctx, enc, objects, fetchOwner) + toXml({ CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })) }));
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
  const write = entryWriter(ctx, enc);
  let body = head;
  for (const e of page.entries) if (e.kind === 'object') body += write.version(e);
  body += toXml({ CommonPrefixes: split(page.entries).prefixes.map((p) => ({ Prefix: enc(p) })) });
  sendXml(ctx, 200, 'ListVersionsResult', body);
}
