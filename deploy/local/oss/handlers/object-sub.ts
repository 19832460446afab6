// Object ACL and object tagging: read or change one version's attributes without touching its body.
import { changeContext, q, sendEmpty, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { readSmallBody } from '../http-util.ts';
import type { Bucket } from '../store/bucket.ts';
import type { ObjectVersion } from '../store/types.ts';
import { asArray, parseXml } from '../xml.ts';
import { objectAcl, validateTags } from './object-headers.ts';

function target(ctx: Ctx): { bucket: Bucket; v: ObjectVersion; headers: Record<string, string> } {
  const bucket = ctx.bucket as Bucket;
  const versionId = q(ctx, 'versionId');
  const v = bucket.resolve(ctx.target.key, versionId, true);
  return { bucket, v, headers: bucket.versioned ? { 'x-oss-version-id': v.versionId } : {} };
}

export function ownerXml(ctx: Ctx) {
  return { ID: ctx.state.accountId, DisplayName: ctx.state.accountId };
}

export async function getObjectAcl(ctx: Ctx): Promise<void> {
  const { v, headers } = target(ctx);
  sendXml(ctx, 200, 'AccessControlPolicy', { Owner: ownerXml(ctx), AccessControlList: { Grant: v.acl } }, headers);
}

export async function putObjectAcl(ctx: Ctx): Promise<void> {
  const { bucket, v, headers } = target(ctx);
  if (ctx.req.headers['x-oss-object-acl'] === undefined) throw new OssError('InvalidArgument', 'x-oss-object-acl is missing.');
  const acl = objectAcl(ctx.req);
  await bucket.mutate(ctx.target.key, v, (x) => { x.acl = acl; }, 'ObjectModified:PutObjectAcl', changeContext(ctx));
  sendEmpty(ctx, 200, headers);
}

export async function getObjectTagging(ctx: Ctx): Promise<void> {
  const { v, headers } = target(ctx);
  sendXml(ctx, 200, 'Tagging', { TagSet: { Tag: v.tags.map(([Key, Value]) => ({ Key, Value })) } }, headers);
}

export async function putObjectTagging(ctx: Ctx): Promise<void> {
  const { bucket, v, headers } = target(ctx);
  const doc = parseXml((await readSmallBody(ctx.req, 64 * 1024)).toString('utf8'));
  const tagging = doc?.Tagging as Record<string, unknown> | undefined;
  if (!tagging || typeof tagging !== 'object') throw new OssError('MalformedXML');
  const tagSet = (tagging.TagSet ?? {}) as Record<string, unknown>;
  const tags = asArray(tagSet.Tag as Record<string, unknown> | Record<string, unknown>[]).map((t) => [String(t.Key ?? ''), String(t.Value ?? '')] as [string, string]);
  validateTags(tags);
  await bucket.mutate(ctx.target.key, v, (x) => { x.tags = tags; }, 'ObjectModified:PutObjectTagging', changeContext(ctx));
  sendEmpty(ctx, 200, headers);
}

export async function deleteObjectTagging(ctx: Ctx): Promise<void> {
  const { bucket, v, headers } = target(ctx);
  await bucket.mutate(ctx.target.key, v, (x) => { x.tags = []; }, 'ObjectModified:DeleteObjectTagging', changeContext(ctx));
  sendEmpty(ctx, 204, headers);
}
