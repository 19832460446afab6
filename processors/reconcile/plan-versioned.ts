// Reconcile planning for one key of a versioned pair (DESIGN §4 rule 5): compare the two version chains
// and list the steps (append copies and delete markers, drop versions, fix tags/ACL) that make the
// destination chain mirror the source chain. Pure; README.md explains the mapping.
import { CrrError } from '../../core/errors.ts';
import { differences } from './in-sync.ts';
import { sourceIdentity } from './chain-reads.ts';
import { markerOf, normalizeEtag, originOf, writeIdentity } from './marker.ts';
import { copyHeaders } from './put-headers.ts';
import type { CopySettings, ObjectState, RuleView, Trigger, VersionEntry, VersionStep } from './types.ts';

/**
 * Chains are newest first, as ListObjectVersions returns them for one key. Object versions carry their
 * `state` where it was read (every one, for a full check); chooseReads (chain-reads.ts) says which a trigger
 * needs: a source version to copy must be read, a destination version left unread must be paired. Steps come in the order to apply them: appends oldest first,
 * then attribute updates, then permanent deletes (so readers see the new latest as early as possible, and
 * a crash part-way leaves a state the next reconcile completes).
 */
export function planVersioned(sourceChain: VersionEntry[], destinationChain: VersionEntry[], rule: RuleView,
  copy: Pick<CopySettings, 'multipartThresholdBytes'>, _trigger: Trigger): VersionStep[] {
  if (rule.twoWay) {
    throw new CrrError('two-way replication of versioned buckets is not supported', {
      code: 'CRR_PLAN_UNSUPPORTED', stage: 'plan', context: { rule: rule.id },
    });
  }
  // What the destination must mirror: the whole chain, delete markers included, under both actions (as OSS
  // does). ALL also replicates version deletes; under PUT a version the source deleted for good stays on the
  // destination, and causes no other write there (it is "retained": neither mapped nor re-asserted against).
  const target = oldestFirst(sourceChain);
  const mayDelete = rule.action === 'ALL';

  const indexesOf = new Map<string, number[]>();
  const indexOfVersion = new Map<string, number>();
  target.forEach((v, i) => {
    if (v.isDeleteMarker) return;
    const id = sourceIdentity(v, rule);
    indexesOf.set(id, [...(indexesOf.get(id) ?? []), i]);
    indexOfVersion.set(v.versionId, i);
  });

  // Walk the destination oldest first, mapping each entry to a target position. `p` is the target
  // position of the last mapped entry: the destination mirrors target[0..p] so far.
  let p = -1;
  let latest: { entry: VersionEntry; mappedTo?: number; retained?: boolean } | undefined;
  const updates: VersionStep[] = [];
  const deletes: VersionStep[] = [];
  for (const d of oldestFirst(destinationChain)) {
    if (d.isDeleteMarker) {
      // Delete markers carry no metadata: one replicates the source delete marker right after the
      // previous mapped entry, or re-asserts the one at that position above something unmapped.
      if (p + 1 < target.length && target[p + 1]!.isDeleteMarker) latest = { entry: d, mappedTo: ++p };
      else if (p >= 0 && target[p]!.isDeleteMarker && latest?.mappedTo === undefined) latest = { entry: d, mappedTo: p };
      else if (mayDelete) deletes.push({ kind: 'delete-version', versionId: d.versionId, reason: 'source-delete-marker-gone' });
      else latest = { entry: d, retained: true };
      continue;
    }
    // An unread version maps where the listings paired it (chain-reads.ts); one neither read nor paired lies
    // where the planner leaves anything alone, so it counts as a write made on the replica.
    const state = d.state;
    const marker = state ? markerOf(state) : undefined;
    const paired = !state && d.pairedWith !== undefined ? indexOfVersion.get(d.pairedWith) : undefined;
    const candidates = paired !== undefined ? [paired] : marker ? indexesOf.get(writeIdentity(marker)) : undefined;
    if (marker && !candidates) {
      if (mayDelete) deletes.push({ kind: 'delete-version', versionId: d.versionId, reason: 'source-version-gone' });
      else latest = { entry: d, retained: true };
      continue;
    }
    // No marker: a write made on the replica. Marker of a vanished source version under PUT: left alone
    // (it only matters if it hides the latest). A copy of the last mapped version above such an entry is
    // a re-asserted latest.
    const reasserts = latest !== undefined && latest.mappedTo === undefined && candidates?.includes(p);
    const next = candidates?.find((i) => i > p) ?? (reasserts ? p : undefined);
    if (next === undefined && candidates && mayDelete) {
      // A second copy of a source version already mapped below: two reconciles of the key overlapped (a
      // partition handed over while its old owner was still copying), or a PUT whose answer was lost had
      // landed. The destination must mirror the chain, so under ALL the surplus copy goes.
      deletes.push({ kind: 'delete-version', versionId: d.versionId, reason: 'duplicate-copy' });
      continue;
    }
    if (next === undefined) {
      latest = { entry: d };
      continue;
    }
    p = next;
    latest = { entry: d, mappedTo: next };
    // Tags and ACL are compared where both sides were read: the versions that can differ (chain-reads.ts).
    const update = state && target[next]!.state ? attributeUpdate(target[next]!.state!, state, d.versionId) : undefined;
    if (update) updates.push(update);
  }

  const appends = target.slice(p + 1).map((v) => appendStep(v, rule, copy));
  const want = target.length - 1;
  if (appends.length === 0 && want >= 0) {
    // Everything is there, but the destination's latest must also be the source's: re-append it when
    // something else (a write on the replica, a stale copy) is on top.
    const ok = latest !== undefined && (latest.mappedTo === want || latest.retained === true || (target[want]!.isDeleteMarker && latest.entry.isDeleteMarker));
    if (!ok) appends.push(appendStep(target[want]!, rule, copy));
  }
  return [...appends, ...updates, ...deletes];
}

function appendStep(v: VersionEntry, rule: RuleView, copy: Pick<CopySettings, 'multipartThresholdBytes'>): VersionStep {
  if (v.isDeleteMarker) return { kind: 'delete-marker', replicates: v.versionId };
  const state = stateOf(v, 'source', rule);
  return {
    kind: 'copy-version',
    source: { key: state.key, etag: normalizeEtag(state.etag), versionId: v.versionId },
    size: state.size,
    multipart: state.size > copy.multipartThresholdBytes,
    headers: copyHeaders(state, rule, originOf({ ...state, versionId: v.versionId }, rule.sourceBucket)),
  };
}

/** Tags and ACL are the only attributes a version can change without becoming a new version. */
function attributeUpdate(source: ObjectState, destination: ObjectState, versionId: string): VersionStep | undefined {
  const diffs = differences(source, destination);
  if (!diffs.includes('tags') && !diffs.includes('acl')) return undefined;
  const step: VersionStep = { kind: 'update-version', versionId };
  if (diffs.includes('acl')) step.acl = source.acl;
  if (diffs.includes('tags')) step.tags = Object.keys(source.tags).length ? { ...source.tags } : null;
  return step;
}

function oldestFirst(chain: VersionEntry[]): VersionEntry[] {
  return [...chain].reverse();
}

function stateOf(v: VersionEntry, side: 'source' | 'destination', rule: RuleView): ObjectState {
  if (v.state) return v.state;
  throw new CrrError(`planVersioned needs the state of every object version (${side} version ${v.versionId})`, {
    code: 'CRR_PLAN_MISSING_STATE', stage: 'plan', context: { rule: rule.id, side, versionId: v.versionId },
  });
}
