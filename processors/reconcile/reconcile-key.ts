// reconcile(key): read the source's and the destination's state of one key, plan, apply. The same
// code path serves real-time changes, backfill, repair and replays (DESIGN §4). When the source
// changes under a copy (412/404 on the pinned read), the key is simply reconciled again.
import type { Readable } from 'node:stream';
import { CrrError } from '../../core/errors.ts';
import type { ListedObject } from '../../core/ports/object-store.ts';
import { readChains, type ChainIo } from './chain-reads.ts';
import { abortLeftUploads, copyObject, type CopyTarget } from './copy-object.ts';
import { planUnversioned } from './plan.ts';
import { planVersioned } from './plan-versioned.ts';
import type { DestinationPresence } from './presence.ts';
import { replicaEncryption } from './replica-encryption.ts';
import type { CopySettings, ObjectState, Plan, RuleView, Trigger, VersionEntry, VersionStep } from './types.ts';

/** One rule's context: the rule, and beside it the copy settings (the part sizes are also what copyObject reads). */
export interface ReconcileContext extends CopyTarget, CopySettings {
  rule: RuleView;
  /** Whether the pair is versioned (both sides must be, or neither). */
  versioned: boolean;
  /** Learns whether destination keys are usually absent, for create-only copies (unversioned pairs only). */
  presence?: DestinationPresence;
  /** Told each time the key is reconciled again from the start, and why (crr_reconcile_restarts_total). */
  onRestart?: (reason: RestartReason) => void;
}

/**
 * Why a reconcile starts over: the source changed under it (a pinned read failed), or the copy's own
 * multipart upload vanished (aborted by another actor's cleanup, or by the janitor after its lease ran out).
 * Both are races with other work on the key, not failures: reading both sides again settles them.
 */
export type RestartReason = 'source-changed' | 'upload-vanished';

export type ReconcileAction = 'COPY' | 'DELETE' | 'DELETE_MARKER' | 'UPDATE_ATTRIBUTES' | 'SKIP';

export interface ReconcileResult {
  action: ReconcileAction;
  /** Why nothing was done, for skips. */
  reason?: string;
  /** Two-way skips ('echo', 'destination-newer') that saw differences: the opposite rule owns them. */
  differences?: string[];
  bytes: number;
  /** Requests that changed the destination (copies, deletes, updates). */
  writes: number;
  sourceEtag: string | null;
  sourceVersionId: string | null;
  destinationVersionId: string | null;
  /** The source object (versioned: the triggering or latest version) is SSE-KMS encrypted and the rule does not
   * replicate such objects: not replicated, to be counted and reported (outcome SKIPPED_KMS). */
  skippedKms?: boolean;
}

/**
 * The context of one reconcile whose every OSS request, retry and retry sleep stops when `signal` aborts (a
 * revoked partition, a drain past its timeout). The rule's learned state (presence) stays shared.
 */
export function bindSignal(ctx: ReconcileContext, signal: AbortSignal | undefined): ReconcileContext {
  if (!signal) return ctx;
  return { ...ctx, source: ctx.source.withSignal(signal), destination: ctx.destination.withSignal(signal), signal };
}

const MAX_RESTARTS = 5;

function restartReason(err: unknown): RestartReason | undefined {
  if (!(err instanceof CrrError)) return undefined;
  if (err.code === 'SOURCE_CHANGED' || (err.code === 'NOT_FOUND' && err.stage === 'source-read')) return 'source-changed';
  // NoSuchUpload on UploadPart or CompleteMultipartUpload: the copy's own upload is gone.
  if (err.code === 'UPLOAD_NOT_FOUND') return 'upload-vanished';
  return undefined;
}

export async function reconcileKey(ctx: ReconcileContext, key: string, trigger: Trigger): Promise<ReconcileResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = ctx.versioned ? await reconcileVersioned(ctx, key, trigger) : await reconcileUnversioned(ctx, key, trigger);
      // A crash mid-multipart leaves an upload that only a later multipart copy of the key would abort.
      // The copy went multipart because the source was large, so some trigger of this key names a large
      // object (or no size, as deletes and listings do); such triggers look for leftovers whatever the
      // plan was (a skip too: the key may have become small and been copied since). Small triggers,
      // the common case, pay nothing. What slips through is swept by the upload janitor.
      const mayHaveLeftUpload = trigger.size === undefined || trigger.size === null || trigger.size > ctx.multipartThresholdBytes;
      if (mayHaveLeftUpload) await abortLeftUploads(ctx, key);
      return result;
    } catch (err) {
      const reason = restartReason(err);
      if (!reason || attempt + 1 >= MAX_RESTARTS || ctx.signal?.aborted) throw err;
      ctx.onRestart?.(reason);
    }
  }
}

async function reconcileUnversioned(ctx: ReconcileContext, key: string, trigger: Trigger): Promise<ReconcileResult> {
  // The source is read with one GET (state and body together): a copy streams that body on, anything
  // else drops it. Its ACL is read alongside, unpinned; a race with a newer write is settled by that
  // write's own trigger.
  // Objects the trigger says are large go multipart (ranged reads): for them a HEAD is enough.
  const large = trigger.size !== undefined && trigger.size !== null && trigger.size > ctx.multipartThresholdBytes;
  if (!large && ctx.presence?.expectAbsent()) {
    const created = await createOnly(ctx, key, trigger, ctx.presence);
    if (created) return created;
  }
  const [openedRead, destinationRead] = await Promise.allSettled([
    large
      ? ctx.source.headObject(ctx.sourceBucket, key).then((head) => (head ? { head, stream: undefined } : null))
      : ctx.source.openObject(ctx.sourceBucket, key),
    ctx.destination.headObject(ctx.destinationBucket, key),
  ]);
  if (destinationRead.status === 'rejected') {
    if (openedRead.status === 'fulfilled') openedRead.value?.stream?.destroy();
    throw destinationRead.reason;
  }
  if (openedRead.status === 'rejected') throw openedRead.reason;
  const opened = openedRead.value;
  const destination = destinationRead.value;
  const source = opened?.head ?? null;
  if (source && !large) ctx.presence?.record(destination !== null);
  try {
    const plan = planUnversioned(source, destination, ctx.rule, ctx, trigger);
    return await applyPlan(ctx, key, plan, source, opened?.stream);
  } finally {
    opened?.stream?.destroy();
  }
}

/**
 * The shortcut for keys the destination most likely lacks (presence.ts): plan as if the destination were
 * absent and, when that plan is a single-PUT copy, PUT with x-oss-forbid-overwrite. OSS writes only if the
 * key is absent at that instant, which is exactly when the plan was right. Anything else (no source, another
 * plan, a refused PUT) returns undefined and the key is reconciled the usual way.
 */
async function createOnly(ctx: ReconcileContext, key: string, trigger: Trigger, presence: DestinationPresence): Promise<ReconcileResult | undefined> {
  const opened = await ctx.source.openObject(ctx.sourceBucket, key);
  if (!opened) return undefined;
  try {
    const plan = planUnversioned(opened.head, null, ctx.rule, ctx, trigger);
    // Not replicated whatever the destination holds: no second read of the source.
    if (plan.kind === 'skip' && plan.reason === 'sse-kms') return applyPlan(ctx, key, plan, opened.head);
    if (plan.kind !== 'copy' || plan.multipart) return undefined;
    const result = await applyPlan(ctx, key, plan, opened.head, opened.stream, { forbidOverwrite: true });
    presence.record(false);
    return result;
  } catch (err) {
    if (err instanceof CrrError && err.code === 'ALREADY_EXISTS') {
      presence.record(true);
      return undefined;
    }
    throw err;
  } finally {
    opened.stream.destroy();
  }
}

async function applyPlan(ctx: ReconcileContext, key: string, plan: Plan, source: ObjectState | null, opened?: Readable,
  copy: { forbidOverwrite?: boolean } = {}): Promise<ReconcileResult> {
  const base = { sourceEtag: source?.etag ?? null, sourceVersionId: source?.versionId ?? null };
  switch (plan.kind) {
    case 'skip':
      return { ...base, action: 'SKIP', reason: plan.reason, differences: plan.differences, bytes: 0, writes: 0, destinationVersionId: null,
        ...(plan.reason === 'sse-kms' ? { skippedKms: true } : {}) };
    case 'copy': {
      const written = await copyObject(ctx, { from: plan.source, size: plan.size, multipart: plan.multipart, headers: plan.headers,
        expectedCrc64: source?.crc64, forbidOverwrite: copy.forbidOverwrite }, opened);
      return { ...base, action: 'COPY', bytes: plan.size, writes: 1, destinationVersionId: written.versionId ?? null };
    }
    case 'update': {
      let writes = 0;
      if (plan.replaceMeta) {
        await ctx.destination.replaceMetadata(ctx.destinationBucket, key, { ...plan.replaceMeta, 'x-oss-copy-source-if-match': plan.destinationEtag });
        writes++;
      }
      if (plan.acl !== undefined) {
        await ctx.destination.putAcl(ctx.destinationBucket, key, plan.acl);
        writes++;
      }
      if (plan.tags !== undefined) {
        if (plan.tags === null) await ctx.destination.deleteTags(ctx.destinationBucket, key);
        else await ctx.destination.putTags(ctx.destinationBucket, key, plan.tags);
        writes++;
      }
      return { ...base, action: 'UPDATE_ATTRIBUTES', bytes: 0, writes, destinationVersionId: null };
    }
    case 'delete': {
      const deleted = await ctx.destination.deleteObject(ctx.destinationBucket, key, plan.versionId);
      return { ...base, action: 'DELETE', bytes: 0, writes: 1, destinationVersionId: deleted.versionId ?? null };
    }
  }
}

/** One key's chains through the context's stores: ListObjectVersions filtered to the key, HEADs by version. */
function chainIo(ctx: ReconcileContext, key: string): ChainIo {
  const side = (s: 'source' | 'destination') => (s === 'source' ? { store: ctx.source, bucket: ctx.sourceBucket } : { store: ctx.destination, bucket: ctx.destinationBucket });
  return {
    list: async (s) => {
      const { store, bucket } = side(s);
      const versions: ListedObject[] = await store.listKeyVersions(bucket, key);
      return versions.map((v) => ({ versionId: v.versionId ?? 'null', isDeleteMarker: Boolean(v.isDeleteMarker), isLatest: Boolean(v.isLatest),
        lastModified: v.lastModified, etag: v.etag, size: v.size }));
    },
    head: (s, versionId) => {
      const { store, bucket } = side(s);
      return store.headObject(bucket, key, versionId);
    },
  };
}

/** Both chains, read where they can differ (chain-reads.ts), and the plan. */
async function planChains(ctx: ReconcileContext, key: string, trigger: Trigger): Promise<{ sourceChain: VersionEntry[]; notReplicated: Set<string>; steps: VersionStep[] }> {
  const plan = (chains: { source: VersionEntry[]; destination: VersionEntry[] }) => {
    // Versions the rule does not replicate (SSE-KMS without a replica key) are left out of the target, as OSS
    // leaves them out of the destination; the planner stays unaware of encryption. Such a version has no
    // replica, so chain-reads always reads it and its state says so.
    const notReplicated = new Set(chains.source.filter((v) => v.state && replicaEncryption(v.state, ctx.rule).kind === 'skip-kms').map((v) => v.versionId));
    const target = notReplicated.size ? chains.source.filter((v) => !notReplicated.has(v.versionId)) : chains.source;
    return { sourceChain: chains.source, notReplicated, steps: planVersioned(target, chains.destination, ctx.rule, ctx, trigger) };
  };
  try {
    return plan(await readChains(chainIo(ctx, key), ctx.rule, trigger));
  } catch (err) {
    // The plan needs a version the reads left out (never seen in chain-reads' property test): read everything,
    // as a REPAIR trigger does, rather than fail the trigger.
    if (!(err instanceof CrrError && err.code === 'CRR_PLAN_MISSING_STATE')) throw err;
    return plan(await readChains(chainIo(ctx, key), ctx.rule, { ...trigger, kind: 'REPAIR' }));
  }
}

async function reconcileVersioned(ctx: ReconcileContext, key: string, trigger: Trigger): Promise<ReconcileResult> {
  const { sourceChain, notReplicated, steps } = await planChains(ctx, key, trigger);
  const latest = sourceChain.find((v) => v.isLatest) ?? sourceChain[0];
  const result: ReconcileResult = {
    action: 'SKIP', reason: 'in-sync', bytes: 0, writes: 0,
    sourceEtag: latest?.etag ?? null, sourceVersionId: latest?.versionId ?? null, destinationVersionId: null,
  };
  // Counted once per trigger of such a version (or, without a version, when the latest is one), not for every
  // later trigger of the key.
  const triggered = trigger.versionId ?? latest?.versionId;
  if (triggered && notReplicated.has(triggered)) {
    const skipped = sourceChain.find((v) => v.versionId === triggered);
    Object.assign(result, { skippedKms: true, reason: 'sse-kms', sourceVersionId: triggered, sourceEtag: skipped?.etag ?? null });
  }
  for (const step of steps) await applyStep(ctx, key, step, sourceChain, result);
  return result;
}

/** The most telling action of a multi-step reconcile: a copy beats a marker beats a delete beats an update. */
const rank: Record<ReconcileAction, number> = { SKIP: 0, UPDATE_ATTRIBUTES: 1, DELETE: 2, DELETE_MARKER: 3, COPY: 4 };

async function applyStep(ctx: ReconcileContext, key: string, step: VersionStep, sourceChain: VersionEntry[], result: ReconcileResult): Promise<void> {
  const note = (action: ReconcileAction) => {
    if (rank[action] >= rank[result.action]) result.action = action;
    result.reason = undefined;
    result.writes++;
  };
  switch (step.kind) {
    case 'copy-version': {
      const crc = sourceChain.find((v) => v.versionId === step.source.versionId)?.state?.crc64;
      const written = await copyObject(ctx, { from: step.source, size: step.size, multipart: step.multipart, headers: step.headers, expectedCrc64: crc });
      result.bytes += step.size;
      result.destinationVersionId = written.versionId ?? null;
      note('COPY');
      return;
    }
    case 'delete-marker': {
      const deleted = await ctx.destination.deleteObject(ctx.destinationBucket, key);
      result.destinationVersionId = deleted.versionId ?? null;
      note('DELETE_MARKER');
      return;
    }
    case 'delete-version':
      await ctx.destination.deleteObject(ctx.destinationBucket, key, step.versionId);
      note('DELETE');
      return;
    case 'update-version':
      if (step.acl !== undefined) await ctx.destination.putAcl(ctx.destinationBucket, key, step.acl, step.versionId);
      if (step.tags !== undefined) {
        if (step.tags === null) await ctx.destination.deleteTags(ctx.destinationBucket, key, step.versionId);
        else await ctx.destination.putTags(ctx.destinationBucket, key, step.tags, step.versionId);
      }
      note('UPDATE_ATTRIBUTES');
      return;
  }
}
