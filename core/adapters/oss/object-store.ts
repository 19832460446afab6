// The ObjectStore port over the adapter's own signed HTTP transport (transport.ts): one instance per OSS endpoint
// (region + credentials), serving any bucket on it.
// Wiring only; each operation lives in object-ops, multipart-ops or listing-ops.
import type { ObjectStore } from '../../ports/object-store.ts';
import { createStoreContext, type ObjectStoreOptions, type StoreContext } from './context.ts';
import * as listing from './listing-ops.ts';
import * as multipart from './multipart-ops.ts';
import * as objects from './object-ops.ts';

export type { ObjectStoreOptions } from './context.ts';

export function createObjectStore(opts: ObjectStoreOptions): ObjectStore {
  return storeOver(createStoreContext(opts));
}

function storeOver(ctx: StoreContext): ObjectStore {
  return {
    signal: ctx.signal,
    withSignal: (signal) => storeOver(ctx.withSignal(signal)),
    listObjects: (bucket, o) => listing.listObjects(ctx, bucket, o),
    listObjectVersions: (bucket, o) => listing.listObjectVersions(ctx, bucket, o),
    listKeyVersions: (bucket, key) => listing.listKeyVersions(ctx, bucket, key),
    isVersioned: (bucket) => listing.isVersioned(ctx, bucket),
    headObject: (bucket, key, versionId) => objects.headObject(ctx, bucket, key, versionId),
    getObject: (bucket, key, o) => objects.getObject(ctx, bucket, key, o),
    openObject: (bucket, key) => objects.openObject(ctx, bucket, key),
    putObject: (bucket, key, body, o) => objects.putObject(ctx, bucket, key, body, o),
    replaceMetadata: (bucket, key, headers) => objects.replaceMetadata(ctx, bucket, key, headers),
    putAcl: (bucket, key, acl, versionId) => objects.putAcl(ctx, bucket, key, acl, versionId),
    putTags: (bucket, key, tags, versionId) => objects.putTags(ctx, bucket, key, tags, versionId),
    deleteTags: (bucket, key, versionId) => objects.deleteTags(ctx, bucket, key, versionId),
    deleteObject: (bucket, key, versionId) => objects.deleteObject(ctx, bucket, key, versionId),
    initiateMultipart: (bucket, key, headers) => multipart.initiateMultipart(ctx, bucket, key, headers),
    uploadPart: (bucket, key, uploadId, n, body, size) => multipart.uploadPart(ctx, bucket, key, uploadId, n, body, size),
    completeMultipart: (bucket, key, uploadId, parts) => multipart.completeMultipart(ctx, bucket, key, uploadId, parts),
    abortMultipart: (bucket, key, uploadId) => multipart.abortMultipart(ctx, bucket, key, uploadId),
    listMultipartUploads: (bucket, prefix) => multipart.listMultipartUploads(ctx, bucket, prefix),
    listParts: (bucket, key, uploadId) => multipart.listParts(ctx, bucket, key, uploadId),
  };
}
