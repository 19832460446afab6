// Every process's view of the backfill jobs (workers read pause and cancel from it, the owner its jobs): it tails the compacted backfill-jobs topic (in a group of its
// own, from the beginning, committing nothing) and keeps, per job, the latest record, the record with the
// most planner pages (the cursor and counts that match the published tasks) and the newest operator request.
import { randomUUID } from 'node:crypto';
import type { BusConsumer, OpenConsumer } from './ports/bus.ts';
import { decode } from '../schemas/codec.ts';
import type { BackfillJob } from '../schemas/types.ts';

export interface JobEntry {
  latest: BackfillJob;
  /** The record with the most pages (latest among equals): where a new owner resumes planning. */
  planned: BackfillJob;
  request: { request: string; requestedAt: number } | null;
}

export interface JobView {
  jobs(): Map<string, JobEntry>;
  get(jobId: string): JobEntry | undefined;
  /** Resolves once every record below `offset` (the topic's end when asked) has been read. */
  caughtUp(offset: bigint, timeoutMs?: number): Promise<void>;
  onChange(listener: (job: BackfillJob) => void): void;
  stop(): Promise<void>;
}

export function applyRecord(entries: Map<string, JobEntry>, job: BackfillJob): JobEntry {
  const prev = entries.get(job.jobId);
  const planned = !prev || job.pages >= prev.planned.pages ? job : prev.planned;
  const request = job.request !== null && job.requestedAt !== null && (!prev?.request || job.requestedAt > prev.request.requestedAt)
    ? { request: job.request, requestedAt: job.requestedAt } : prev?.request ?? null;
  const entry = { latest: job, planned, request };
  entries.set(job.jobId, entry);
  return entry;
}

export async function startJobView(openConsumer: OpenConsumer, topic: string, group: string): Promise<JobView> {
  const consumer: BusConsumer = await openConsumer({ groupId: `${group}-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const entries = new Map<string, JobEntry>();
  const listeners: ((job: BackfillJob) => void)[] = [];
  let position = 0n;
  await consumer.subscribe([topic], true);
  void consumer.run((batch) => {
    for (const m of batch.messages) {
      if (m.value === null) continue;
      try {
        const entry = applyRecord(entries, decode('BackfillJob', m.value));
        for (const l of listeners) l(entry.latest);
      } catch {
        // an undecodable record is nobody's job: skipped, as a reader of an unknown version would
      }
    }
    position = BigInt(batch.nextOffset);
  });
  return {
    jobs: () => entries,
    get: (id) => entries.get(id),
    async caughtUp(offset, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (position < offset) {
        if (Date.now() > deadline) throw new Error(`the backfill-jobs view did not reach offset ${offset} within ${timeoutMs} ms (at ${position})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    onChange: (l) => void listeners.push(l),
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
