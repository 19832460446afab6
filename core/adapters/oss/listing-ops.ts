// Listings as streams of pages in the server's byte order (ListObjectsV2, ListObjectVersions), the version chain
// of one key, and whether a bucket keeps versions.
import type { ListedObject, ListOptions } from '../../ports/object-store.ts';
import { parseListObjectsV2, parseListVersions, parseVersioningStatus, type ObjectsPage, type VersionsPage } from './listing-xml.ts';
import type { StoreContext } from './context.ts';

const MAX_PAGE = 1000;
const pageSize = (opts: ListOptions) => Math.max(1, Math.min(MAX_PAGE, opts.pageSize ?? MAX_PAGE));

/**
 * Pages of a listing. With `ahead`, the next page is fetched while the caller works on this one, so that
 * network wait and parsing overlap; a page fetched ahead that nobody asks for (the caller stopped) has its
 * failure ignored.
 */
async function* paged<P, C>(first: C, fetch: (cursor: C) => Promise<P>, next: (page: P, cursor: C) => C | null, items: (page: P) => ListedObject[],
  ahead: boolean): AsyncIterable<ListedObject[]> {
  let cursor = first;
  let pending = fetch(cursor);
  for (;;) {
    const page = await pending;
    const after = next(page, cursor);
    if (after !== null && ahead) {
      pending = fetch(after);
      pending.catch(() => {});
    }
    const list = items(page);
    if (list.length) yield list;
    if (after === null) return;
    if (!ahead) pending = fetch(after);
    cursor = after;
  }
}

export function listObjects(ctx: StoreContext, bucket: string, opts: ListOptions = {}): AsyncIterable<ListedObject[]> {
  const fetch = async (token: string | null) => {
    const query: Record<string, string | number> = { 'list-type': 2, 'max-keys': pageSize(opts) };
    if (opts.prefix) query.prefix = opts.prefix;
    if (opts.startAfter && token === null) query['start-after'] = opts.startAfter;
    // continuation-token is a signed sub-resource, as ali-oss's listV2 sends it
    const subres: Record<string, string> = token === null ? {} : { 'continuation-token': token };
    const res = await ctx.request('ListObjectsV2', { bucket }, { method: 'GET', subres, query, successStatuses: [200] });
    return parseListObjectsV2(res.data ?? '');
  };
  return paged<ObjectsPage, string | null>(null, fetch,
    (page, token) => (!page.isTruncated || !page.nextContinuationToken || page.nextContinuationToken === token ? null : page.nextContinuationToken),
    (page) => page.objects, true);
}

interface VersionsCursor { keyMarker: string | null; versionIdMarker: string | null }

export function listObjectVersions(ctx: StoreContext, bucket: string, opts: ListOptions = {}): AsyncIterable<ListedObject[]> {
  return versionPages(ctx, bucket, opts, true);
}

function versionPages(ctx: StoreContext, bucket: string, opts: ListOptions, ahead: boolean): AsyncIterable<ListedObject[]> {
  const fetch = async ({ keyMarker, versionIdMarker }: VersionsCursor) => {
    const query: Record<string, string | number> = { 'max-keys': pageSize(opts) };
    if (opts.prefix) query.prefix = opts.prefix;
    if (keyMarker !== null) query['key-marker'] = keyMarker;
    if (versionIdMarker !== null) query['version-id-marker'] = versionIdMarker;
    const res = await ctx.request('ListObjectVersions', { bucket }, { method: 'GET', subres: { versions: '' }, query, successStatuses: [200] });
    return parseListVersions(res.data ?? '');
  };
  return paged<VersionsPage, VersionsCursor>({ keyMarker: opts.startAfter ?? null, versionIdMarker: null }, fetch, (page, at) => {
    const stuck = page.nextKeyMarker === at.keyMarker && page.nextVersionIdMarker === at.versionIdMarker;
    return !page.isTruncated || page.nextKeyMarker === null || stuck ? null : { keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker };
  }, (page) => page.entries, ahead);
}

/**
 * The chain of exactly this key, newest first. Keys sharing the prefix ("a" vs "ab") sort after it, so the walk
 * stops there; it fetches no page ahead, since it usually stops within the first (a reconcile reads one per key).
 */
export async function listKeyVersions(ctx: StoreContext, bucket: string, key: string): Promise<ListedObject[]> {
  const chain: ListedObject[] = [];
  for await (const page of versionPages(ctx, bucket, { prefix: key }, false)) {
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
