// Reconcile planning for one key of an unversioned pair (DESIGN §4): from the source's and the
// destination's current state, decide to skip, copy, update attributes in place, or delete. Pure.
import { differences } from './in-sync.ts';
import { precedence } from './last-writer-wins.ts';
import { normalizeEtag, originOf } from './marker.ts';
import { copyHeaders, replaceMetaHeaders } from './put-headers.ts';
import { replicaEncryption } from './replica-encryption.ts';
import type { CopySettings, Difference, ObjectState, Plan, ReplicaMarker, RuleView, Trigger } from './types.ts';

export function planUnversioned(source: ObjectState | null, destination: ObjectState | null, rule: RuleView, copy: Pick<CopySettings, 'multipartThresholdBytes'>,
  trigger: Trigger): Plan {
  if (!source) return planSourceAbsent(destination, rule, trigger);
  // As OSS: an SSE-KMS object is replicated only under a rule naming the replica's key; else the replica is
  // left as it is (never decrypted, never re-encrypted with another key).
  if (replicaEncryption(source, rule).kind === 'skip-kms') return { kind: 'skip', reason: 'sse-kms' };
  const origin = originOf(source, rule.sourceBucket);
  if (!destination) {
    // Two-way: a replica of a destination write that the destination no longer has was deleted there
    // after it was copied; the delete is newer, and the opposite rule carries it.
    if (rule.twoWay && origin.originBucket === rule.destinationBucket) return { kind: 'skip', reason: 'destination-newer', differences: ['content'] };
    return copyPlan(source, rule, copy, origin, ['content']);
  }

  const diffs = differences(source, destination, rule);
  if (diffs.length === 0) return { kind: 'skip', reason: 'in-sync' };
  if (rule.twoWay) {
    const winner = precedence(origin, originOf(destination, rule.destinationBucket), rule);
    if (winner !== 'source') return { kind: 'skip', reason: winner, differences: diffs };
  }
  if (diffs.includes('content')) return copyPlan(source, rule, copy, origin, diffs);
  return updatePlan(source, destination, rule, origin, diffs);
}

/**
 * The source no longer has the key. One-way ALL deletes the replica. Two-way deletes only what the delete
 * provably supersedes: a replica of this source (its write came from here and is gone here), or a write
 * whose origin time is not after the triggering event (the source's delete is its latest operation, so
 * it happened at or after any event time of the source). Only a source event's time (a real-time trigger, or
 * its replay) proves that: a repair or backfill trigger carries the time it was made, which says nothing of
 * when the source deleted the key, so without a source event a destination-side write is kept; the opposite
 * rule copies it back, and both sides converge.
 */
function planSourceAbsent(destination: ObjectState | null, rule: RuleView, trigger: Trigger): Plan {
  if (!destination) return { kind: 'skip', reason: 'both-absent' };
  if (rule.action === 'PUT') return { kind: 'skip', reason: 'action-put' };
  if (rule.twoWay) {
    const d = originOf(destination, rule.destinationBucket);
    const replicaOfSource = d.originBucket === rule.sourceBucket;
    const eventTime = trigger.kind === 'REALTIME' || trigger.kind === 'REPLAY' ? trigger.eventTime : undefined;
    const supersededByDelete = eventTime !== undefined && d.originTime <= eventTime;
    if (!replicaOfSource && !supersededByDelete) return { kind: 'skip', reason: 'destination-newer', differences: ['content'] };
  }
  return { kind: 'delete' };
}

function copyPlan(source: ObjectState, rule: RuleView, copy: Pick<CopySettings, 'multipartThresholdBytes'>, origin: ReplicaMarker, diffs: Difference[]): Plan {
  return {
    kind: 'copy',
    source: { key: source.key, etag: normalizeEtag(source.etag), versionId: source.versionId ?? null },
    size: source.size,
    multipart: source.size > copy.multipartThresholdBytes,
    headers: copyHeaders(source, rule, origin),
    differences: diffs,
  };
}

/**
 * Same content, different attributes. Content headers, user metadata, the storage class or the encryption can only change by
 * rewriting the object (CopyObject onto itself), which then also states ACL, tags and a fresh marker: one request.
 * Otherwise PutObjectACL and/or PutObjectTagging, which leave the object and its marker untouched.
 */
function updatePlan(source: ObjectState, destination: ObjectState, rule: RuleView, origin: ReplicaMarker, diffs: Difference[]): Plan {
  const destinationEtag = normalizeEtag(destination.etag);
  if (diffs.includes('headers') || diffs.includes('meta') || diffs.includes('storage-class') || diffs.includes('encryption')) {
    return { kind: 'update', replaceMeta: replaceMetaHeaders(source, destination, rule, origin), destinationEtag, differences: diffs };
  }
  const plan: Plan = { kind: 'update', destinationEtag, differences: diffs };
  if (diffs.includes('acl')) plan.acl = source.acl;
  if (diffs.includes('tags')) plan.tags = Object.keys(source.tags).length ? { ...source.tags } : null;
  return plan;
}
