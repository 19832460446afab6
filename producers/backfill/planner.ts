// The backfill planner: merge-joins the source and destination listings of a rule (prefix-filtered, in key
// order, from the job's cursor) and publishes the keys that need a reconcile as BackfillTasks, a page at a
// time (pageKeys keys; a page of keys all in sync grows: IN_SYNC_PAGE_FACTOR). Each page's tasks and the job record with its new cursor and counts are one Kafka transaction, so a
// planner killed mid-page leaves nothing of that page visible and its successor lists the page again.
import type { RuleConfig } from '../../core/config/schema.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import type { BackfillJob, BackfillTask } from '../../schemas/types.ts';
import { decide } from './decide.ts';
import { mergeJoinPages } from '../../core/listing-merge-join.ts';

export interface PlannerDeps {
  rule: Pick<RuleConfig, 'id' | 'action' | 'prefixes'> & { source: { bucket: string }; destination: { bucket: string } };
  source: ObjectStore;
  destination: ObjectStore;
  versioned: boolean;
  /** Keys per page (one transaction each); a page with no task grows up to inSyncPageFactor times that. */
  pageKeys?: number;
  /** Default IN_SYNC_PAGE_FACTOR. */
  inSyncPageFactor?: number;
  /** The job as it stands now (the owner also changes its done counts and state while this runs). */
  current(): BackfillJob;
  /** Publishes the page's tasks and the job record in one transaction; resolves once committed. */
  commitPage(tasks: BackfillTask[], job: BackfillJob): Promise<void>;
  /** Asked between pages: stop planning (the job is paused, cancelled, or this owner lost the jobs). */
  shouldStop(): boolean;
  now?: () => number;
}

/**
 * A page whose keys are all in sync carries no task, only the cursor and the counts, yet its transaction
 * costs as much as any (a commit, and kafkajs backs off ~100 ms when the next one begins before the broker
 * has written the last one's markers): at one commit per 1,000 keys that capped an in-sync re-run near
 * 7,000 keys/s on a quiet machine. So a page without tasks grows until it holds a task, or reaches this many
 * times pageKeys, or a second has passed since the last commit (the progress `crr status` shows moves every
 * second). A planner killed meanwhile lists those keys again; the counts stay exact, as nothing of an
 * uncommitted page is visible.
 */
export const IN_SYNC_PAGE_FACTOR = 10;
const PAGE_MAX_MS = 1000;

function covers(rulePrefixes: string[], key: string): boolean {
  return rulePrefixes.length === 0 || rulePrefixes.some((p) => key.startsWith(p));
}

/** Plans from the job's cursor until the listing ends (the job becomes LISTED) or it is asked to stop. */
export async function planJob(deps: PlannerDeps): Promise<'listed' | 'stopped'> {
  const now = deps.now ?? Date.now;
  const pageKeys = deps.pageKeys ?? 1000;
  const inSyncPageKeys = pageKeys * (deps.inSyncPageFactor ?? IN_SYNC_PAGE_FACTOR);
  const start = deps.current();
  const { rule } = deps;
  // One listing prefix: the job's, else the rule's only one; a rule with several is listed whole and filtered.
  const prefix = start.prefix ?? (rule.prefixes.length === 1 ? rule.prefixes[0] : undefined);
  const opts = { prefix, startAfter: start.listingMarker ?? undefined };
  const list = (store: ObjectStore, bucket: string) => (deps.versioned ? store.listObjectVersions(bucket, opts) : store.listObjects(bucket, opts));
  const joined = mergeJoinPages(list(deps.source, rule.source.bucket), list(deps.destination, rule.destination.bucket));
  const decideOpts = { compare: start.compare, action: rule.action, versioned: deps.versioned };

  let tasks: BackfillTask[] = [];
  let decided = 0;
  let inSync = 0;
  let marker: string | null = start.listingMarker;
  let lastFlushAt = now();
  // A page's commit runs while the next page is listed and decided; the next commit waits for it, so pages
  // still commit one at a time, in order, each built on the job as its predecessor's commit left it.
  let committing: Promise<void> = Promise.resolve();
  const flush = async (ended: boolean) => {
    const page = { tasks, decided, inSync, marker };
    lastFlushAt = now();
    tasks = [];
    decided = 0;
    inSync = 0;
    await committing;
    const job = deps.current();
    const listedAt = now();
    const next: BackfillJob = {
      ...job,
      listingMarker: ended ? null : page.marker,
      listed: job.listed + page.decided,
      inSync: job.inSync + page.inSync,
      published: job.published + page.tasks.length,
      pages: job.pages + 1,
      updatedAt: listedAt,
      ...(ended ? { total: job.published + page.tasks.length, state: job.state === 'PLANNING' ? 'LISTED' as const : job.state } : {}),
    };
    const numbered = page.tasks.map((t, i) => ({ ...t, seq: job.published + i, listedAt }));
    committing = deps.commitPage(numbered, next);
    committing.catch(() => {}); // seen by the next flush, which awaits it
    if (ended) await committing;
  };

  // Never returns while a page commits: a successor would list from a cursor that page is about to move.
  try {
    for await (const batch of joined) {
      for (const k of batch) {
        if (!covers(rule.prefixes, k.key)) continue;
        decided++;
        marker = k.key;
        if (decide(k, decideOpts) === 'in-sync') inSync++;
        else {
          const latest = k.source?.[0];
          tasks.push({
            jobId: start.jobId, ruleId: rule.id, sourceBucket: rule.source.bucket, key: k.key,
            versionId: latest?.versionId ?? null, etag: latest && !latest.isDeleteMarker ? latest.etag : null, size: latest && !latest.isDeleteMarker ? latest.size : null,
            listedAt: 0, seq: 0,
          });
        }
        if (decided >= pageKeys && (tasks.length > 0 || decided >= inSyncPageKeys || now() - lastFlushAt >= PAGE_MAX_MS)) {
          await flush(false);
          if (deps.shouldStop()) {
            await committing;
            return 'stopped';
          }
        }
      }
    }
    await flush(true);
    return 'listed';
  } finally {
    await committing.catch(() => {});
  }
}
