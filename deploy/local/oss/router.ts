// Maps method + path + sub-resource to an OSS operation and its handler, and decides what anonymous
// requests may do (public-read / public-read-write ACLs); signed requests from a configured key may do all.
import type { Ctx } from './context.ts';
import { OssError } from './errors.ts';
import type { ParsedTarget } from './http-util.ts';
import type { OssOperation } from './operations.ts';
import * as bucketOps from './handlers/bucket.ts';
import * as list from './handlers/list.ts';
import * as mp from './handlers/multipart.ts';
import * as del from './handlers/object-delete.ts';
import * as read from './handlers/object-read.ts';
import * as sub from './handlers/object-sub.ts';
import * as write from './handlers/object-write.ts';
import type { Bucket } from './store/bucket.ts';

export type Handler = (ctx: Ctx) => Promise<void>;

export const HANDLERS: Record<Exclude<OssOperation, 'PostObject'>, Handler> = {
  ListBuckets: bucketOps.listBuckets, PutBucket: bucketOps.putBucket, DeleteBucket: bucketOps.deleteBucket,
  GetBucketInfo: bucketOps.getBucketInfo, GetBucketLocation: bucketOps.getBucketLocation, GetBucketAcl: bucketOps.getBucketAcl,
  PutBucketAcl: bucketOps.putBucketAcl, GetBucketVersioning: bucketOps.getBucketVersioning, PutBucketVersioning: bucketOps.putBucketVersioning,
  ListObjects: list.listObjectsV1, ListObjectsV2: list.listObjectsV2, ListObjectVersions: list.listObjectVersions,
  PutObject: write.putObject, CopyObject: write.copyObject, AppendObject: write.appendObject,
  GetObject: read.getObject, HeadObject: read.getObject, GetObjectMeta: read.getObjectMeta,
  DeleteObject: del.deleteObject, DeleteMultipleObjects: del.deleteMultipleObjects,
  GetObjectAcl: sub.getObjectAcl, PutObjectAcl: sub.putObjectAcl, GetObjectTagging: sub.getObjectTagging,
  PutObjectTagging: sub.putObjectTagging, DeleteObjectTagging: sub.deleteObjectTagging,
  InitiateMultipartUpload: mp.initiateMultipartUpload, UploadPart: mp.uploadPart, UploadPartCopy: mp.uploadPartCopy,
  CompleteMultipartUpload: mp.completeMultipartUpload, AbortMultipartUpload: mp.abortMultipartUpload, ListParts: mp.listParts,
  ListMultipartUploads: mp.listMultipartUploads,
};

const notImplemented = (what: string) => new OssError('NotImplemented', `${what} is not implemented by the local OSS server.`);

// Bucket sub-resources this server does not model; asking for them is answered 501 rather than misrouted.
const UNSUPPORTED_BUCKET = ['cors', 'lifecycle', 'logging', 'website', 'referer', 'policy', 'encryption', 'replication', 'inventory',
  'worm', 'tagging', 'stat', 'qos', 'requestPayment', 'transferAcceleration', 'cname', 'live', 'img', 'style', 'symlink', 'restore'];

export function route(method: string, target: ParsedTarget, copySource: boolean, contentType = ''): OssOperation {
  const has = (k: string) => target.query.has(k);
  if (!target.bucket) {
    if (method === 'GET') return 'ListBuckets';
    throw new OssError('MethodNotAllowed');
  }
  if (!target.key) {
    const unsupported = UNSUPPORTED_BUCKET.find(has);
    if (unsupported) throw notImplemented(`Bucket sub-resource "${unsupported}"`);
    switch (method) {
      case 'PUT':
        if (has('acl')) return 'PutBucketAcl';
        if (has('versioning')) return 'PutBucketVersioning';
        return 'PutBucket';
      case 'GET':
      case 'HEAD':
        if (has('acl')) return 'GetBucketAcl';
        if (has('versioning')) return 'GetBucketVersioning';
        if (has('location')) return 'GetBucketLocation';
        if (has('bucketInfo')) return 'GetBucketInfo';
        if (has('versions')) return 'ListObjectVersions';
        if (has('uploads')) return 'ListMultipartUploads';
        if (target.query.get('list-type') === '2') return 'ListObjectsV2';
        return 'ListObjects';
      case 'DELETE':
        return 'DeleteBucket';
      case 'POST':
        if (has('delete')) return 'DeleteMultipleObjects';
        if (/^multipart\/form-data/i.test(contentType)) return 'PostObject';
        break;
    }
    throw new OssError('MethodNotAllowed');
  }
  if (has('symlink') || has('restore') || has('x-oss-process')) throw notImplemented('This object sub-resource');
  switch (method) {
    case 'PUT':
      if (has('partNumber') && has('uploadId')) return copySource ? 'UploadPartCopy' : 'UploadPart';
      if (has('acl')) return 'PutObjectAcl';
      if (has('tagging')) return 'PutObjectTagging';
      return copySource ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (has('acl')) return 'GetObjectAcl';
      if (has('tagging')) return 'GetObjectTagging';
      if (has('uploadId')) return 'ListParts';
      return 'GetObject';
    case 'HEAD':
      return has('objectMeta') ? 'GetObjectMeta' : 'HeadObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      if (has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'InitiateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      if (has('append')) return 'AppendObject';
      break;
  }
  throw new OssError('MethodNotAllowed');
}

const ANON_READ: OssOperation[] = ['GetObject', 'HeadObject', 'GetObjectMeta'];
const ANON_WRITE: OssOperation[] = ['PutObject', 'AppendObject', 'DeleteObject', 'InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload'];

/** Anonymous access as OSS grants it: object ACL (or the bucket's when `default`) must allow the action. */
export function checkAnonymous(op: OssOperation, bucket: Bucket | undefined, key: string): void {
  const denied = new OssError('AccessDenied', 'You have no right to access this object because of bucket acl.');
  if (!bucket) throw denied;
  if (op === 'PostObject') return; // the form's own policy signature is checked by the handler
  const bucketAcl = bucket.record.acl;
  if (op === 'ListObjects' || op === 'ListObjectsV2') {
    if (bucketAcl === 'private') throw denied;
    return;
  }
  const cur = bucket.latest(key);
  const objAcl = cur && !cur.deleteMarker && cur.acl !== 'default' ? cur.acl : bucketAcl;
  if (ANON_READ.includes(op) && objAcl !== 'private') return;
  if (ANON_WRITE.includes(op) && objAcl === 'public-read-write') return;
  throw denied;
}
