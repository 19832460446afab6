// A tiny in-memory model of OSS buckets for one key, to apply reconcile plans in unit tests. It rebuilds
// every written object from the plan's headers alone, so a header the planner forgets shows up as a
// difference.
import { normalizeEtag } from '../../../processors/reconcile/marker.ts';
import { CONTENT_HEADER_NAMES, META_PREFIX, decodeTagging } from '../../../processors/reconcile/put-headers.ts';
import type { ContentHeaders, Encryption, ObjectAcl, ObjectState, Plan, VersionEntry, VersionStep } from '../../../processors/reconcile/types.ts';
import { rng } from '../../helpers/random.ts';

const KNOWN = new Set([
  ...Object.values(CONTENT_HEADER_NAMES), 'x-oss-tagging', 'x-oss-object-acl', 'x-oss-storage-class', 'x-oss-server-side-encryption',
  'x-oss-server-side-encryption-key-id', 'x-oss-metadata-directive', 'x-oss-tagging-directive',
]);

export interface Content { etag: string; crc64: string; size: number }

/** An object as OSS would store it from a PUT (or in-place copy) with these headers. */
export function stateFromHeaders(key: string, content: Content, headers: Record<string, string>, now: number, versionId?: string): ObjectState {
  const state: ObjectState = { key, etag: content.etag, crc64: content.crc64, size: content.size, lastModified: now, headers: {}, userMeta: {}, tags: {}, acl: 'default' };
  if (versionId) state.versionId = versionId;
  const byName = Object.fromEntries(Object.entries(CONTENT_HEADER_NAMES).map(([f, n]) => [n, f as keyof ContentHeaders]));
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(META_PREFIX)) state.userMeta[name.slice(META_PREFIX.length)] = value;
    else if (!KNOWN.has(name)) throw new Error(`unexpected header ${name}`);
    else if (byName[name]) state.headers[byName[name]!] = value;
  }
  if (headers['x-oss-tagging']) state.tags = decodeTagging(headers['x-oss-tagging']);
  if (headers['x-oss-object-acl']) state.acl = headers['x-oss-object-acl'] as ObjectAcl;
  if (headers['x-oss-storage-class']) state.storageClass = headers['x-oss-storage-class'];
  const sse = headers['x-oss-server-side-encryption'];
  if (sse === 'AES256') state.encryption = { algorithm: 'AES256' };
  else if (sse === 'KMS') state.encryption = { algorithm: 'KMS', keyId: headers['x-oss-server-side-encryption-key-id'] } as Encryption;
  return state;
}

function contentOf(s: ObjectState): Content {
  return { etag: s.etag, crc64: s.crc64 ?? '', size: s.size };
}

/** Applies an unversioned plan to the destination; returns the new destination state. Throws on a failed precondition. */
export function applyPlan(plan: Plan, source: ObjectState | null, destination: ObjectState | null, now: number): ObjectState | null {
  switch (plan.kind) {
    case 'skip':
      return destination;
    case 'delete':
      return null;
    case 'copy':
      if (!source || normalizeEtag(source.etag) !== plan.source.etag) throw new Error('412 source changed');
      if (plan.size !== source.size) throw new Error('size differs from the source');
      return stateFromHeaders(source.key, contentOf(source), plan.headers, now);
    case 'update': {
      if (!destination || normalizeEtag(destination.etag) !== plan.destinationEtag) throw new Error('412 destination changed');
      if (plan.replaceMeta) return stateFromHeaders(destination.key, contentOf(destination), plan.replaceMeta, now);
      const next: ObjectState = { ...destination, tags: { ...destination.tags } };
      if (plan.acl) next.acl = plan.acl;
      if (plan.tags !== undefined) next.tags = plan.tags ? { ...plan.tags } : {};
      return next;
    }
  }
}

/** A versioned key: its chain newest first, with fresh version ids. */
export class VersionedKey {
  chain: VersionEntry[] = [];
  private seq = 0;
  constructor(readonly bucket: string) {}

  put(state: ObjectState): VersionEntry {
    const versionId = `${this.bucket}-v${++this.seq}`;
    const entry: VersionEntry = { versionId, isDeleteMarker: false, isLatest: true, lastModified: state.lastModified, etag: state.etag, size: state.size, state: { ...state, versionId } };
    return this.push(entry);
  }

  deleteMarker(now: number): VersionEntry {
    return this.push({ versionId: `${this.bucket}-d${++this.seq}`, isDeleteMarker: true, isLatest: true, lastModified: now });
  }

  deleteVersion(versionId: string): void {
    const i = this.chain.findIndex((v) => v.versionId === versionId);
    if (i < 0) throw new Error(`no version ${versionId}`);
    this.chain.splice(i, 1);
    this.chain.forEach((v, j) => { v.isLatest = j === 0; });
  }

  find(versionId: string): VersionEntry {
    const v = this.chain.find((e) => e.versionId === versionId);
    if (!v) throw new Error(`no version ${versionId}`);
    return v;
  }

  private push(entry: VersionEntry): VersionEntry {
    for (const v of this.chain) v.isLatest = false;
    this.chain.unshift(entry);
    return entry;
  }
}

/** Applies one versioned step to the destination key. */
export function applyStep(step: VersionStep, source: VersionedKey, destination: VersionedKey, now: number): void {
  switch (step.kind) {
    case 'copy-version': {
      const v = source.find(step.source.versionId);
      if (!v.state || normalizeEtag(v.state.etag) !== step.source.etag) throw new Error('412 source version changed');
      destination.put(stateFromHeaders(v.state.key, contentOf(v.state), step.headers, now));
      return;
    }
    case 'delete-marker':
      destination.deleteMarker(now);
      return;
    case 'delete-version':
      destination.deleteVersion(step.versionId);
      return;
    case 'update-version': {
      const v = destination.find(step.versionId);
      if (!v.state) throw new Error('update of a delete marker');
      if (step.acl) v.state.acl = step.acl;
      if (step.tags !== undefined) v.state.tags = step.tags ? { ...step.tags } : {};
    }
  }
}

/** The shared seeded PRNG with helpers, so property tests are reproducible from their seed. */
export function prng(seed: number): { next: () => number; int: (n: number) => number; pick: <T>(xs: readonly T[]) => T; chance: (p: number) => boolean } {
  const next = rng(seed);
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => next() < p };
}
