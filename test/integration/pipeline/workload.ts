// A seeded random workload on a source bucket: puts of 0 B to 20 MiB with random content headers, user
// metadata, tags and ACLs; overwrites, deletes, ACL and tag changes, metadata replacement (CopyObject onto
// itself) and, on versioned buckets, deletes of a specific version. Each key has one writer at a time.
import { randomBytes } from 'node:crypto';
import { CrrError } from '../../../core/errors.ts';
import type { ObjectAcl, ObjectStore } from '../../../core/ports/object-store.ts';
import { taggingHeader } from '../../../core/ports/object-store.ts';
import { withRetry, type RetryPolicy } from '../../../core/retry.ts';
import { rng } from '../../helpers/random.ts';

export type OpKind = 'put' | 'delete' | 'acl' | 'tags' | 'untag' | 'replace-meta' | 'delete-version';

export interface WorkloadOptions {
  store: ObjectStore;
  bucket: string;
  versioned: boolean;
  keys: number;
  ops: number;
  seed: number;
  concurrency?: number;
  /** Every this many operations (per run) one put is big (bigBytes); the rest stay small. */
  bigEvery?: number;
  /** The size of a big put; default 20 MiB. */
  bigBytes?: number;
  /** Retry failed writes (for runs with injected faults). */
  retry?: RetryPolicy;
  /** Others write these keys too (the other side of a two-way pair): an attribute change may find the object gone. */
  sharedKeys?: boolean;
}

export interface WorkloadStats { counts: Record<OpKind, number>; bytesPut: number; keys: string[]; /** Keys that got a big put. */ bigKeys: string[] }

export function keyName(i: number): string {
  return `k/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%&' : ''}.bin`;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const CONTENT_TYPES = ['application/octet-stream', 'text/plain; charset=utf-8', 'image/png', 'application/json'];
const ACLS: readonly ObjectAcl[] = ['default', 'private', 'public-read'];

function size(r: () => number): number {
  const x = r();
  if (x < 0.05) return 0;
  if (x < 0.7) return 1 + Math.floor(r() * 4096);
  if (x < 0.94) return 4096 + Math.floor(r() * 60 * 1024);
  if (x < 0.99) return 64 * 1024 + Math.floor(r() * 1024 * 1024);
  return 2 * 1024 * 1024 + Math.floor(r() * 3 * 1024 * 1024);
}

function randomHeaders(r: () => number): Record<string, string> {
  const h: Record<string, string> = { 'Content-Type': pick(r, CONTENT_TYPES) };
  if (r() < 0.3) h['Cache-Control'] = pick(r, ['max-age=60', 'no-cache']);
  if (r() < 0.2) h['Content-Disposition'] = pick(r, ['attachment; filename="a.bin"', 'inline']);
  if (r() < 0.1) h['Content-Language'] = pick(r, ['en', 'zh-CN']);
  if (r() < 0.1) h['Content-Encoding'] = 'identity';
  if (r() < 0.5) h['x-oss-meta-owner'] = pick(r, ['alice', 'bob', 'carol']);
  if (r() < 0.3) h['x-oss-meta-stamp'] = String(Math.floor(r() * 1e6));
  return h;
}

function randomTags(r: () => number): Record<string, string> {
  const tags: Record<string, string> = {};
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) tags[pick(r, ['team', 'stage', 'n', 'cost center'])] = pick(r, ['a', 'b', 'x y', String(Math.floor(r() * 100))]);
  return tags;
}

const notFound = (err: unknown) => err instanceof CrrError && err.code === 'NOT_FOUND';

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadStats> {
  const workers = o.concurrency ?? 16;
  const counts: Record<OpKind, number> = { put: 0, delete: 0, acl: 0, tags: 0, untag: 0, 'replace-meta': 0, 'delete-version': 0 };
  const exists = new Array<boolean>(o.keys).fill(false);
  let bytesPut = 0;
  const bigKeys = new Set<string>();
  let opIndex = 0;
  const retried = <T>(fn: () => Promise<T>) => (o.retry ? withRetry(fn, { policy: o.retry, isRetriable: (e) => e instanceof CrrError && e.retriable }) : fn());
  const retrying = <T>(fn: () => Promise<T>): Promise<T | undefined> => (o.sharedKeys ? retried(fn).catch((err) => {
    if (notFound(err)) return undefined;
    throw err;
  }) : retried(fn));

  const doOp = async (r: () => number, k: number, big: boolean) => {
    const key = keyName(k);
    let kind: OpKind;
    const x = r();
    if (!exists[k] || big) kind = 'put';
    else if (x < 0.4) kind = 'put';
    else if (x < 0.5) kind = 'delete';
    else if (x < 0.6) kind = 'acl';
    else if (x < 0.7) kind = 'tags';
    else if (x < 0.75) kind = 'untag';
    else if (x < 0.9) kind = 'replace-meta';
    else kind = o.versioned ? 'delete-version' : 'put';
    counts[kind]++;
    switch (kind) {
      case 'put': {
        const n = big ? o.bigBytes ?? 20 * 1024 * 1024 : size(r);
        const headers = randomHeaders(r);
        if (r() < 0.5) headers['x-oss-tagging'] = taggingHeader(randomTags(r));
        if (r() < 0.3) headers['x-oss-object-acl'] = pick(r, ACLS);
        const body = randomBytes(n);
        await retrying(() => o.store.putObject(o.bucket, key, body, { headers, contentLength: n }));
        bytesPut += n;
        if (big) bigKeys.add(key);
        exists[k] = true;
        return;
      }
      case 'delete':
        await retrying(() => o.store.deleteObject(o.bucket, key));
        exists[k] = false;
        return;
      case 'acl': {
        const acl = pick(r, ACLS);
        await retrying(() => o.store.putAcl(o.bucket, key, acl));
        return;
      }
      case 'tags': {
        const tags = randomTags(r);
        await retrying(() => o.store.putTags(o.bucket, key, tags));
        return;
      }
      case 'untag':
        await retrying(() => o.store.deleteTags(o.bucket, key));
        return;
      case 'replace-meta': {
        const headers = randomHeaders(r);
        await retrying(() => o.store.replaceMetadata(o.bucket, key, headers));
        return;
      }
      case 'delete-version': {
        const versions = await retried(() => o.store.listKeyVersions(o.bucket, key));
        if (!versions.length) return;
        const v = pick(r, versions);
        await retrying(() => o.store.deleteObject(o.bucket, key, v.versionId)).catch((err) => {
          if (!notFound(err)) throw err;
        });
        const after = await retried(() => o.store.listKeyVersions(o.bucket, key));
        const latest = after.find((e) => e.isLatest);
        exists[k] = Boolean(latest && !latest.isDeleteMarker);
        return;
      }
    }
  };

  // Worker w owns the keys k ≡ w (mod workers), so one key never has two writes in flight.
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    const r = rng(o.seed * 1000 + w);
    const owned = Array.from({ length: o.keys }, (_, k) => k).filter((k) => k % workers === w);
    const share = Math.floor(o.ops / workers) + (w < o.ops % workers ? 1 : 0);
    for (let i = 0; i < share; i++) {
      const index = opIndex++;
      const big = o.bigEvery !== undefined && index % o.bigEvery === Math.floor(o.bigEvery / 2);
      await doOp(r, pick(r, owned), big);
    }
  }));
  return { counts, bytesPut, keys: Array.from({ length: o.keys }, (_, k) => keyName(k)), bigKeys: [...bigKeys] };
}
