// Which versions of a versioned key a trigger must read (HEAD, ACL, tags), decided from the two chains'
// listings: a version is read only where it can differ (README "What a trigger reads"). Versions the
// listings pair up are left unread, so a realtime trigger on a key in sync costs its listings plus the
// version its event names, whatever the length of the history. The I/O is injected (readChains' io).
import { CrrError } from '../../core/errors.ts';
import { markerOf, normalizeEtag, originOf, writeIdentity } from './marker.ts';
import type { ObjectState, ReplicaMarker, RuleView, Trigger, VersionEntry } from './types.ts';

const isMultipartEtag = (etag: string): boolean => etag.includes('-');

/**
 * The source object versions (oldest first) a destination version may be a copy of, from the listings alone:
 * same size and ETag, or same size where one ETag is a multipart one (it says nothing of the bytes' MD5); and
 * not written after the copy. (A copy is made after its source version, so a replica's Last-Modified is not
 * before its source version's. OSS reports whole seconds, which keeps this true across the two regions' clocks
 * unless they are apart by more than the copy took; a pair missed that way is only read, never mistaken.)
 * Indexed by content, so a trigger stays linear in the chain's length.
 */
class CopyCandidates {
  readonly src: VersionEntry[];
  private readonly exact = new Map<string, number[]>();
  private readonly bySize = new Map<number, number[]>();
  private readonly multipartBySize = new Map<number, number[]>();

  constructor(source: VersionEntry[]) {
    this.src = [...source].reverse().filter((v) => !v.isDeleteMarker);
    this.src.forEach((v, i) => {
      const etag = normalizeEtag(v.etag ?? '');
      push(this.exact, `${v.size}|${etag}`, i);
      push(this.bySize, v.size ?? -1, i);
      if (isMultipartEtag(etag)) push(this.multipartBySize, v.size ?? -1, i);
    });
  }

  /** Indexes into `src`, ascending. */
  of(d: VersionEntry): number[] {
    const etag = normalizeEtag(d.etag ?? '');
    const size = d.size ?? -1;
    const found = isMultipartEtag(etag)
      ? this.bySize.get(size) ?? []
      : [...new Set([...(this.exact.get(`${size}|${etag}`) ?? []), ...(this.multipartBySize.get(size) ?? [])])].sort((x, y) => x - y);
    return found.filter((i) => d.lastModified >= this.src[i]!.lastModified);
  }
}

function push<K>(m: Map<K, number[]>, k: K, i: number): void {
  const list = m.get(k);
  if (list) list.push(i);
  else m.set(k, [i]);
}

/**
 * Pairs destination object versions with the source object versions they replicate, as the listings show it
 * (destination version id → source version id). Walks both chains oldest first. A destination version already
 * read is not paired: its marker maps it (the planner's way), and the source version it names is no one
 * else's. Any other pairs with the first remaining source version it may be a copy of, unless a later one
 * could be it too (same content, not told apart by time): such an ambiguous version is left unpaired, to be
 * read. Delete markers are not paired: the planner maps them by position and never needs to read them.
 */
export function pairChains(source: VersionEntry[], destination: VersionEntry[], rule: RuleView, candidates = new CopyCandidates(source)): Map<string, string> {
  const src = candidates.src;
  const at = new Map(src.map((v, i) => [sourceIdentity(v, rule), i]));
  const taken = new Set<number>();
  for (const d of destination) {
    const marker = d.state ? markerOf(d.state) : undefined;
    const i = marker ? at.get(writeIdentity(marker)) : undefined;
    if (i !== undefined) taken.add(i);
  }
  const pairs = new Map<string, string>();
  let from = 0;
  for (const d of [...destination].reverse()) {
    if (d.isDeleteMarker) continue;
    if (d.state) {
      const marker = markerOf(d.state);
      const i = marker ? at.get(writeIdentity(marker)) : undefined;
      if (i !== undefined) from = Math.max(from, i + 1);
      continue;
    }
    const free = candidates.of(d).filter((i) => i >= from && !taken.has(i));
    if (free.length !== 1) continue;
    pairs.set(d.versionId, src[free[0]!]!.versionId);
    from = free[0]! + 1;
  }
  return pairs;
}

export interface ChainReads {
  /** Source version ids to read. */
  source: Set<string>;
  /** Destination version ids to read. */
  destination: Set<string>;
  /** Destination version id → source version id, for destination versions left unread. */
  pairs: Map<string, string>;
}

/** REPAIR and BACKFILL triggers (crr verify --repair, a backfill task) check everything, as a full compare must. */
export function readsEverything(trigger: Trigger): boolean {
  return trigger.kind === 'REPAIR' || trigger.kind === 'BACKFILL';
}

const objectIds = (chain: VersionEntry[]): Set<string> => new Set(chain.filter((v) => !v.isDeleteMarker).map((v) => v.versionId));

/** Every object version of both chains: today's full check. */
export function allReads(source: VersionEntry[], destination: VersionEntry[]): ChainReads {
  return { source: objectIds(source), destination: objectIds(destination), pairs: new Map() };
}

/**
 * What a trigger reads (chains newest first, from the listings; entries already read keep their state):
 * - source object versions the listings do not pair with a destination version (the ones to copy, or gaps);
 * - destination object versions the listings do not pair (their marker says what they are), except, under
 *   PUT, those below the newest paired one that can be a copy of no source version: the planner leaves them
 *   alone, whatever they are;
 * - the version the trigger names (the source's latest object version when it names none), on both sides:
 *   the event says that version changed, and its ACL and tags are what can change in place;
 * - the source's latest object version when something unpaired lies above the newest paired destination
 *   version (the planner may then have to append the latest again);
 * - the newest paired destination version when there are source versions to copy above it;
 * - every destination object version when the trigger is the delete of a source version (its replica is
 *   told only by its marker), and every source version when a read marker names a third bucket (chained
 *   replication: an unread source version's identity is then unknown).
 */
export function chooseReads(source: VersionEntry[], destination: VersionEntry[], rule: RuleView, trigger: Trigger): ChainReads {
  if (readsEverything(trigger)) return allReads(source, destination);
  const candidates = new CopyCandidates(source);
  const pairs = pairChains(source, destination, rule, candidates);
  const byIdentity = new Map(source.filter((v) => !v.isDeleteMarker).map((v) => [sourceIdentity(v, rule), v.versionId]));
  const mappedBy = (d: VersionEntry): string | undefined => {
    const marker = d.state ? markerOf(d.state) : undefined;
    return marker ? byIdentity.get(writeIdentity(marker)) : undefined;
  };
  const mapsToSource = (d: VersionEntry): boolean => mappedBy(d) !== undefined;
  // Source versions with a replica: paired by the listings, or named by a read destination version's marker.
  const replicated = new Set([...pairs.values(), ...destination.map(mappedBy).filter((v): v is string => v !== undefined)]);
  const reads: ChainReads = { source: new Set(), destination: new Set(), pairs };
  for (const v of source) if (!v.isDeleteMarker && !replicated.has(v.versionId)) reads.source.add(v.versionId);

  const versionDelete = trigger.operation === 'DELETE' && !!trigger.versionId && !source.some((v) => v.versionId === trigger.versionId);
  // The newest destination version known to replicate a live source version, paired or read (newest first).
  const newestPaired = destination.findIndex((d) => pairs.has(d.versionId) || mapsToSource(d));
  destination.forEach((d, i) => {
    if (d.isDeleteMarker || pairs.has(d.versionId)) return;
    // Under PUT, an unpaired version below the newest paired one that can be a copy of no source version is
    // a retained replica or a write on the replica: the planner leaves it alone, whatever it is.
    const inert = rule.action === 'PUT' && newestPaired >= 0 && i > newestPaired && candidates.of(d).length === 0;
    if (!inert) reads.destination.add(d.versionId);
  });
  if (versionDelete) for (const d of destination) if (!d.isDeleteMarker) reads.destination.add(d.versionId);

  const latest = source.find((v) => !v.isDeleteMarker);
  const named = trigger.versionId ? source.find((v) => v.versionId === trigger.versionId && !v.isDeleteMarker) : latest;
  if (named) {
    reads.source.add(named.versionId);
    for (const [d, s] of pairs) if (s === named.versionId) reads.destination.add(d);
  }
  // Copies go above the newest version known to be replicated, so that one must be what the listings say:
  // a replica of a since-deleted version paired with a later one of the same content would put the copies
  // above a version never copied (a gap the planner cannot fill later). Its marker tells.
  const anchor = destination.find((d) => pairs.has(d.versionId));
  if (anchor && newestPaired >= 0 && destination[newestPaired] === anchor) {
    const at = source.findIndex((v) => v.versionId === pairs.get(anchor.versionId));
    if (source.slice(0, at).some((v) => reads.source.has(v.versionId))) reads.destination.add(anchor.versionId);
  }
  const unpairedOnTop = destination.slice(0, newestPaired < 0 ? destination.length : newestPaired).some((d) => !pairs.has(d.versionId));
  if (latest && unpairedOnTop) reads.source.add(latest.versionId);

  const foreign = destination.some((d) => {
    const marker = d.state ? markerOf(d.state) : undefined;
    return marker !== undefined && marker.originBucket !== rule.sourceBucket && !mapsToSource(d);
  });
  if (foreign) for (const v of source) if (!v.isDeleteMarker) reads.source.add(v.versionId);
  for (const d of reads.destination) pairs.delete(d);
  return reads;
}

/** The chains' I/O, for one key. */
export interface ChainIo {
  /** ListObjectVersions of the key on one side, newest first, without states. */
  list(side: 'source' | 'destination'): Promise<VersionEntry[]>;
  /** HEAD (with ACL and tags) of one version; null when it is gone. */
  head(side: 'source' | 'destination', versionId: string): Promise<ObjectState | null>;
}

/** Rounds of reads before a trigger gives up on the listings and reads everything (each round only adds reads). */
const MAX_READ_ROUNDS = 4;

/**
 * Reads both chains for planVersioned: the listings, then the states chooseReads picks, again while what was
 * read changes the choice (a marker that takes a source version from the listings' pairing frees it, to be
 * read and copied). Returns the chains with unread destination versions paired (`pairedWith`).
 */
export async function readChains(io: ChainIo, rule: RuleView, trigger: Trigger): Promise<{ source: VersionEntry[]; destination: VersionEntry[]; reads: number }> {
  const [source, destination] = await Promise.all([io.list('source'), io.list('destination')]);
  let count = 0;
  for (let round = 0; ; round++) {
    const reads = round < MAX_READ_ROUNDS ? chooseReads(source, destination, rule, trigger) : allReads(source, destination);
    const made = await fill(io, source, destination, reads);
    count += made;
    if (made === 0 || round >= MAX_READ_ROUNDS) {
      for (const d of destination) {
        const s = reads.pairs.get(d.versionId);
        if (s && !d.state) d.pairedWith = s;
      }
      return { source, destination, reads: count };
    }
  }
}

/**
 * The identity (writeIdentity) of a source version: from its state when read, else as an original write of the
 * source bucket (its version id; its time and etag for a null version). An unread version that is itself a
 * replica (chained replication) has another identity: readChains then reads everything.
 */
export function sourceIdentity(v: VersionEntry, rule: RuleView): string {
  if (v.state) return writeIdentity(originOf(v.state, rule.sourceBucket));
  const origin: ReplicaMarker = { originBucket: rule.sourceBucket, originTime: v.lastModified, originEtag: normalizeEtag(v.etag ?? '') };
  if (v.versionId !== 'null') origin.originVersionId = v.versionId;
  return writeIdentity(origin);
}

/** Reads the chosen states not read yet; returns the reads made. */
async function fill(io: ChainIo, source: VersionEntry[], destination: VersionEntry[], reads: ChainReads): Promise<number> {
  const todo: [side: 'source' | 'destination', entry: VersionEntry][] = [
    ...source.filter((v) => reads.source.has(v.versionId) && !v.state).map((v) => ['source', v] as ['source', VersionEntry]),
    ...destination.filter((v) => reads.destination.has(v.versionId) && !v.state).map((v) => ['destination', v] as ['destination', VersionEntry]),
  ];
  await Promise.all(todo.map(async ([side, entry]) => {
    const state = await io.head(side, entry.versionId);
    // Listed a moment ago, gone now: the chain changed under us, so read it again (reconcileKey loops).
    if (!state) {
      throw new CrrError(`version ${entry.versionId} vanished while its chain was read (${side})`, {
        code: 'SOURCE_CHANGED', retriable: true, stage: 'source-read', context: { side, versionId: entry.versionId },
      });
    }
    entry.state = state;
  }));
  return todo.length;
}
