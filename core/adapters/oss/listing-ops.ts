// Listings as streams of pages in the server's byte order (ListObjectsV2, ListObjectVersions), the version chain
// of one key, and whether a bucket keeps versions.
import type { ListedObject, ListOptions } from '../../ports/object-store.ts';
import { parseListObjectsV2, parseListVersions, parseVersioningStatus } from './listing-xml.ts';
import type { StoreContext } from './context.ts';

const MAX_PAGE = 1000;
const pageSize = (opts: ListOptions) => Math.max(1, Math.min(MAX_PAGE, opts.pageSize ?? MAX_PAGE));

export async function* listObjects(ctx: StoreContext, bucket: string, opts: ListOptions = {}): AsyncIterable<ListedObject[]> {
  let token: string | null = null;
  for (;;) {
    const query: Record<string, string | number> = { 'list-type': 2, 'max-keys': pageSize(opts) };
    if (opts.prefix) query.prefix = opts.prefix;
    if (opts.startAfter && token === null) query['start-after'] = opts.startAfter;
    // continuation-token is a signed sub-resource, as ali-oss's listV2 sends it
    const subres: Record<string, string> = token === null ? {} : { 'continuation-token': token };
    const res = await ctx.request('ListObjectsV2', { bucket }, { method: 'GET', subres, query, successStatuses: [200] });
    const page = parseListObjectsV2(res.data ?? '');
    if (page.objects.length) yield page.objects;
    if (!page.isTruncated || !page.nextContinuationToken || page.nextContinuationToken === token) return;
    token = page.nextContinuationToken;
  }
}

export async function* listObjectVersions(ctx: StoreContext, bucket: string, opts: ListOptions = {}): AsyncIterable<ListedObject[]> {
  let keyMarker: string | null = opts.startAfter ?? null;
  let versionIdMarker: string | null = null;
  for (;;) {
    const query: Record<string, string | number> = { 'max-keys': pageSize(opts) };
    if (opts.prefix) query.prefix = opts.prefix;
    if (keyMarker !== null) query['key-marker'] = keyMarker;
    if (versionIdMarker !== null) query['version-id-marker'] = versionIdMarker;
    const res = await ctx.request('ListObjectVersions', { bucket }, { method: 'GET', subres: { versions: '' }, query, successStatuses: [200] });
    const page = parseListVersions(res.data ?? '');
    if (page.entries.length) yield page.entries;
    const stuck = page.nextKeyMarker === keyMarker && page.nextVersionIdMarker === versionIdMarker;
    if (!page.isTruncated || page.nextKeyMarker === null || stuck) return;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  }
}

/** The chain of exactly this key, newest first. Keys sharing the prefix ("a" vs "ab") sort after it, so the walk stops there. */
export async function listKeyVersions(ctx: StoreContext, bucket: string, key: string): Promise<ListedObject[]> {
  const chain: ListedObject[] = [];
  for await (const page of listObjectVersions(ctx, bucket, { prefix: key })) {
    for (const entry of page) {
      if (entry.key !== key) return chain;
      chain.push(entry);
    }
  }
  return chain;
}

/** True once versioning was ever enabled (Enabled or Suspended): such a bucket keeps version chains. */
export async function isVersioned(ctx: StoreContext, bucket: string): Promise<boolean> {
  const res = await ctx.request('GetBucketVersioning', { bucket }, { method: 'GET', subres: { versioning: '' }, successStatuses: [200] });
  const status = parseVersioningStatus(res.data ?? '');
  return status === 'Enabled' || status === 'Suspended';
}
