// Bucket operations: list, create, delete (must be empty), info, location, ACL and versioning.
import { ossNow } from '../clock.ts';
import { principalOf, q, sendEmpty, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { compareKeys, isValidBucketName, isoDate, readSmallBody } from '../http-util.ts';
import type { Bucket } from '../store/bucket.ts';
import { parseXml } from '../xml.ts';
import { BUCKET_ACLS } from './object-headers.ts';
import { ownerXml } from './object-sub.ts';

const STORAGE = new Map(['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'].map((s) => [s.toLowerCase(), s]));

function endpoints(ctx: Ctx) {
  return { ExtranetEndpoint: `${ctx.state.region}.aliyuncs.com`, IntranetEndpoint: `${ctx.state.region}-internal.aliyuncs.com` };
}

export async function listBuckets(ctx: Ctx): Promise<void> {
  const prefix = q(ctx, 'prefix') ?? '';
  const marker = q(ctx, 'marker') ?? '';
  const max = Number(q(ctx, 'max-keys') ?? '1000');
  const all = [...ctx.state.store.buckets.values()].map((b) => b.record)
    .filter((r) => r.name.startsWith(prefix) && (!marker || compareKeys(r.name, marker) > 0))
    .sort((a, b) => compareKeys(a.name, b.name));
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  sendXml(ctx, 200, 'ListAllMyBucketsResult', {
    Prefix: q(ctx, 'prefix'), Marker: q(ctx, 'marker'), MaxKeys: q(ctx, 'max-keys'), IsTruncated: truncated,
    NextMarker: truncated ? page[page.length - 1].name : undefined,
    Owner: ownerXml(ctx),
    Buckets: {
      Bucket: page.map((r) => ({
        CreationDate: isoDate(r.created), ...endpoints(ctx), Location: ctx.state.region, Name: r.name,
        Region: ctx.state.region.replace(/^oss-/, ''), StorageClass: r.storageClass,
      })),
    },
  });
}

export async function putBucket(ctx: Ctx): Promise<void> {
  const name = ctx.target.bucket;
  if (!isValidBucketName(name)) throw new OssError('InvalidBucketName', undefined, { extra: { BucketName: name } });
  const acl = (ctx.req.headers['x-oss-acl'] as string | undefined) ?? 'private';
  if (!BUCKET_ACLS.has(acl)) throw new OssError('InvalidArgument', `The ACL "${acl}" is not valid.`);
  const body = (await readSmallBody(ctx.req, 64 * 1024)).toString('utf8');
  let storageClass = 'Standard';
  let redundancy = 'LRS';
  if (body.trim()) {
    const conf = parseXml(body)?.CreateBucketConfiguration as Record<string, unknown> | undefined;
    if (!conf) throw new OssError('MalformedXML');
    if (conf.StorageClass !== undefined) {
      const s = STORAGE.get(String(conf.StorageClass).toLowerCase());
      if (!s) throw new OssError('InvalidStorageClass');
      storageClass = s;
    }
    if (conf.DataRedundancyType !== undefined) redundancy = String(conf.DataRedundancyType);
  }
  if (ctx.state.store.buckets.has(name)) throw new OssError('BucketAlreadyExists', undefined, { extra: { BucketName: name } });
  await ctx.state.store.createBucket({
    name, created: ossNow(), acl, storageClass, redundancy, versioning: '', owner: principalOf(ctx),
  });
  sendEmpty(ctx, 200, { location: `/${name}` });
}

export async function deleteBucket(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  if (!bucket.isEmpty()) throw new OssError('BucketNotEmpty', undefined, { extra: { BucketName: bucket.name } });
  await ctx.state.store.deleteBucket(bucket.name);
  sendEmpty(ctx, 204);
}

export async function getBucketInfo(ctx: Ctx): Promise<void> {
  const r = (ctx.bucket as Bucket).record;
  sendXml(ctx, 200, 'BucketInfo', {
    Bucket: {
      AccessMonitor: 'Disabled', CreationDate: isoDate(r.created), CrossRegionReplication: 'Disabled', DataRedundancyType: r.redundancy,
      ...endpoints(ctx), Location: ctx.state.region, Name: r.name, ResourceGroupId: 'rg-default', StorageClass: r.storageClass,
      TransferAcceleration: 'Disabled', Owner: ownerXml(ctx), AccessControlList: { Grant: r.acl }, Comment: '',
      Versioning: r.versioning || undefined, ServerSideEncryptionRule: { SSEAlgorithm: 'None' },
      BucketPolicy: { LogBucket: '', LogPrefix: '' },
    },
  });
}

export async function getBucketLocation(ctx: Ctx): Promise<void> {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint>${ctx.state.region}</LocationConstraint>`;
  ctx.res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(text)) });
  ctx.res.end(text);
}

export async function getBucketAcl(ctx: Ctx): Promise<void> {
  sendXml(ctx, 200, 'AccessControlPolicy', { Owner: ownerXml(ctx), AccessControlList: { Grant: (ctx.bucket as Bucket).record.acl } });
}

export async function putBucketAcl(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const acl = ctx.req.headers['x-oss-acl'] as string | undefined;
  if (!acl || !BUCKET_ACLS.has(acl)) throw new OssError('InvalidArgument', `The ACL "${acl ?? ''}" is not valid.`);
  bucket.record.acl = acl;
  await ctx.state.store.saveBucket(bucket);
  sendEmpty(ctx, 200, { location: `/${bucket.name}` });
}

export async function getBucketVersioning(ctx: Ctx): Promise<void> {
  sendXml(ctx, 200, 'VersioningConfiguration', { Status: (ctx.bucket as Bucket).record.versioning || undefined });
}

export async function putBucketVersioning(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const conf = parseXml((await readSmallBody(ctx.req, 64 * 1024)).toString('utf8'))?.VersioningConfiguration as Record<string, unknown> | undefined;
  const status = conf?.Status;
  if (status !== 'Enabled' && status !== 'Suspended') throw new OssError('MalformedXML', 'Status must be Enabled or Suspended.');
  bucket.record.versioning = status;
  await ctx.state.store.saveBucket(bucket);
  sendEmpty(ctx, 200);
}
