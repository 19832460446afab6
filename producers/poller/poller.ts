// The listing poller, for buckets without notifications: each poll lists the bucket, merge-joins the
// listing with the previous one (kept in the bus's state topic, see snapshot-store.ts), publishes one
// change per difference, and only after Kafka acknowledged them all saves the new listing. A crash
// before the save repeats the same changes (duplicates are allowed); nothing is ever skipped. A poll
// that finds no difference saves nothing. The first poll of a bucket only records the baseline: objects
// that existed before are the backfill's job (DESIGN §6). The bucket list follows the live rules
// (setBuckets): a bucket that joins it takes a baseline even if the state topic holds an old snapshot of it
// (objects written while no rule polled it are the backfill's too), and a bucket that leaves it is no longer
// listed and its snapshot is dropped.
import type { ObjectStore } from '../../core/ports/object-store.ts';
import type { CrrMetrics } from '../../core/metrics/metrics.ts';
import type { Logger } from '../../core/logging.ts';
import type { ObjectChange } from '../../schemas/types.ts';
import { changeRecord, newChange, objectKey } from '../../schemas/records.ts';
import type { CoalescingPublisher } from '../../core/coalescing-publisher.ts';
import type { RuleIndex, RuleScope } from '../../core/rule-index.ts';
import { diffListings, type ListingChange } from './diff.ts';
import { readSnapshot, SnapshotWriter, toEntry, type SnapshotEntry } from './snapshot.ts';
import type { SnapshotStore } from './snapshot-store.ts';

export interface PolledBucket { bucket: string; region: string; store: ObjectStore }

export interface PollerOptions {
  buckets: PolledBucket[];
  rules: RuleIndex<RuleScope>;
  snapshots: SnapshotStore;
  intervalMs: number;
  publisher: CoalescingPublisher;
  metrics: CrrMetrics;
  logger: Logger;
  now?: () => number;
  publishBatch?: number;
}

export interface PollResult { bucket: string; baseline: boolean; listed: number; published: number }

async function* listed(target: PolledBucket, versioned: boolean, writer: SnapshotWriter, counter: { n: number }): AsyncGenerator<SnapshotEntry> {
  const pages = versioned ? target.store.listObjectVersions(target.bucket) : target.store.listObjects(target.bucket);
  for await (const page of pages) {
    for (const o of page) {
      const e = toEntry(o);
      writer.write(e);
      counter.n++;
      yield e;
    }
  }
}

function toChange(c: ListingChange, target: PolledBucket, ruleIds: string[], now: number): ObjectChange {
  const operation = c.kind;
  return newChange({
    eventId: `listing:${objectKey(target.bucket, c.key)}:${c.versionId ?? ''}:${c.kind}:${c.etag ?? ''}`,
    ruleIds, sourceBucket: target.bucket, region: target.region, key: c.key, operation, versionId: c.versionId, etag: c.etag, size: c.size,
    eventTime: c.lastModified ?? now, captureTime: now, captureSource: 'LISTING', eventName: `Listing:${operation}`,
  });
}

/** One poll of one bucket; `baseline` ignores any snapshot held (a bucket a rule just started polling). */
export async function pollOnce(target: PolledBucket, opts: PollerOptions, fresh = false): Promise<PollResult> {
  const now = opts.now ?? Date.now;
  const previous = fresh ? null : await opts.snapshots.get(target.bucket);
  const baseline = previous === null;
  const versioned = await target.store.isVersioned(target.bucket);
  const writer = new SnapshotWriter();
  const counter = { n: 0 };
  let published = 0;
  let differences = 0;
  let batch: ObjectChange[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const changes = batch;
    batch = [];
    await opts.publisher.publish(changes.map(changeRecord));
    for (const c of changes) for (const rule of c.ruleIds) opts.metrics.eventsPublished.inc({ rule });
    published += changes.length;
  };
  const current = listed(target, versioned, writer, counter);
  if (previous === null) {
    for await (const _ of current) { /* the listing is written to the snapshot as it streams */ }
  } else {
    for await (const change of diffListings(readSnapshot(previous), current)) {
      differences++;
      opts.metrics.eventsReceived.inc({ source: 'listing' });
      const rules = opts.rules.match(target.bucket, change.key);
      if (rules.length === 0) {
        opts.metrics.eventsUnmatched.inc();
        continue;
      }
      batch.push(toChange(change, target, rules.map((r) => r.id), now()));
      if (batch.length >= (opts.publishBatch ?? 500)) await flush();
    }
    await flush();
  }
  // Saved only after every change it includes was acknowledged.
  if (baseline || differences > 0) await opts.snapshots.put(target.bucket, writer.finish(), writer.entries);
  opts.logger.debug({ bucket: target.bucket, listed: counter.n, published, baseline }, 'poll done');
  return { bucket: target.bucket, baseline, listed: counter.n, published };
}

export interface Poller {
  stop(): Promise<void>;
  pollNow(): Promise<PollResult[]>;
  /** The buckets to poll from the next poll on (the live rules changed). */
  setBuckets(buckets: PolledBucket[]): void;
  buckets(): readonly PolledBucket[];
}

/** Polls every bucket each interval, one poll at a time; stop() waits for the poll under way. */
export function startPoller(opts: PollerOptions): Poller {
  let stopped = false;
  let running: Promise<PollResult[]> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let buckets = opts.buckets;
  // Buckets that joined the list (their next poll is a baseline) and that left it (their snapshot is dropped).
  const joined = new Set<string>();
  const left = new Set<string>();
  const pollAll = async () => {
    const results: PollResult[] = [];
    for (const bucket of [...left]) {
      try {
        await opts.snapshots.drop(bucket);
        left.delete(bucket);
        opts.logger.info({ bucket }, 'no rule polls this bucket any more: its listing snapshot is dropped');
      } catch (err) {
        opts.logger.warn({ bucket, err: (err as Error).message }, 'could not drop the listing snapshot; the next poll retries');
      }
    }
    for (const target of buckets) {
      if (stopped) break;
      try {
        results.push(await pollOnce(target, opts, joined.has(target.bucket)));
        joined.delete(target.bucket);
      } catch (err) {
        opts.logger.error({ bucket: target.bucket, err: (err as Error).message }, 'poll failed; the next poll retries');
      }
    }
    return results;
  };
  const exclusive = async () => {
    while (running) await running;
    running = pollAll();
    try {
      return await running;
    } finally {
      running = null;
    }
  };
  const cycle = async () => {
    await exclusive();
    if (!stopped) timer = setTimeout(cycle, opts.intervalMs);
  };
  timer = setTimeout(cycle, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    pollNow: exclusive,
    setBuckets(next) {
      const before = new Set(buckets.map((b) => b.bucket));
      const after = new Set(next.map((b) => b.bucket));
      for (const b of after) if (!before.has(b)) { joined.add(b); left.delete(b); }
      for (const b of before) if (!after.has(b)) { left.add(b); joined.delete(b); }
      buckets = next;
    },
    buckets: () => buckets,
  };
}
