// DeleteObject (plain, delete-marker and by version) and DeleteMultipleObjects.
import { changeContext, q, sendEmpty, sendXml, type Ctx } from '../context.ts';
import { OssError } from '../errors.ts';
import { readSmallBody } from '../http-util.ts';
import type { Bucket, ChangeContext } from '../store/bucket.ts';
import { asArray, parseXml, type XmlNode } from '../xml.ts';
import { createHash } from 'node:crypto';

interface DeleteOutcome { headers: Record<string, string>; persisted: Promise<void>; deleteMarker?: boolean; versionId?: string; markerVersionId?: string }

function deleteOne(bucket: Bucket, key: string, versionId: string | undefined, eventName: string, cctx: ChangeContext): DeleteOutcome {
  const headers: Record<string, string> = {};
  if (versionId !== undefined) {
    const r = bucket.deleteVersion(key, versionId, eventName, cctx);
    if (bucket.versioned || versionId !== 'null') headers['x-oss-version-id'] = versionId;
    if (r.removed?.deleteMarker) headers['x-oss-delete-marker'] = 'true';
    return { headers, persisted: r.persisted, deleteMarker: r.removed?.deleteMarker, versionId };
  }
  const r = bucket.deleteCurrent(key, eventName, cctx);
  if (r.marker) {
    headers['x-oss-delete-marker'] = 'true';
    headers['x-oss-version-id'] = r.marker.versionId;
  }
  return { headers, persisted: r.persisted, deleteMarker: !!r.marker, markerVersionId: r.marker?.versionId };
}

export async function deleteObject(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const out = deleteOne(bucket, ctx.target.key, q(ctx, 'versionId'), 'ObjectRemoved:DeleteObject', changeContext(ctx));
  await out.persisted;
  sendEmpty(ctx, 204, out.headers);
}

export async function deleteMultipleObjects(ctx: Ctx): Promise<void> {
  const bucket = ctx.bucket as Bucket;
  const body = await readSmallBody(ctx.req, 2 * 1024 * 1024);
  const md5 = ctx.req.headers['content-md5'];
  if (md5 && createHash('md5').update(body).digest('base64') !== md5) throw new OssError('InvalidDigest');
  const doc = parseXml(body.toString('utf8'));
  const del = doc?.Delete as Record<string, unknown> | undefined;
  if (!del) throw new OssError('MalformedXML');
  const objects = asArray(del.Object as Record<string, unknown> | Record<string, unknown>[]);
  if (objects.length === 0 || objects.length > 1000) throw new OssError('MalformedXML', 'Delete needs 1 to 1000 objects.');
  const quiet = String(del.Quiet ?? 'false').toLowerCase() === 'true';
  const urlEncoded = ctx.target.query.get('encoding-type') === 'url';
  const cctx = changeContext(ctx);
  const deleted: XmlNode[] = [];
  const pending: Promise<void>[] = [];
  for (const o of objects) {
    const key = typeof o.Key === 'string' ? o.Key : String(o.Key ?? '');
    if (!key) throw new OssError('MalformedXML', 'An Object has no Key.');
    const versionId = o.VersionId === undefined ? undefined : String(o.VersionId);
    const r = deleteOne(bucket, key, versionId, 'ObjectRemoved:DeleteObjects', cctx);
    pending.push(r.persisted);
    if (!quiet) {
      const entry: XmlNode = { Key: urlEncoded ? encodeURIComponent(key) : key };
      if (versionId !== undefined) entry.VersionId = versionId;
      if (r.deleteMarker) entry.DeleteMarker = 'true';
      if (r.markerVersionId) entry.DeleteMarkerVersionId = r.markerVersionId;
      deleted.push(entry);
    }
  }
  await Promise.all(pending);
  sendXml(ctx, 200, 'DeleteResult', { EncodingType: urlEncoded ? 'url' : undefined, Deleted: deleted });
}
