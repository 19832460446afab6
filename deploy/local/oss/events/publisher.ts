// Fans each committed change out as an event: to every webhook queue and, if configured, one JSON line
// in the event log file. Called synchronously at commit, so queue order is commit order. Events still
// undelivered at a clean stop are kept in the data folder and sent first after the next start. Events a
// queue gave up on (refused, or failing past its retry policy) are parked: kept in memory for the admin
// endpoint and appended to events-parked.jsonl in the data folder, which a restart reads back. A receiver
// unavailable past the queue's bound (Kafka down behind it: nothing is parked, events wait in order) is
// logged, and logged again when it recovers.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '../store/bucket.ts';
import { buildEvent, type OssEvent } from './event.ts';
import { WebhookQueue, type ParkedEvent, type UnavailableNotice, type WebhookQueueState, type WebhookRetryPolicy, type WebhookTarget } from './webhook-queue.ts';

export class EventPublisher {
  private readonly queues: WebhookQueue[];
  private readonly eventLog?: WriteStream;
  private parkedLog?: WriteStream;
  private readonly parkedEvents: ParkedEvent[] = [];

  constructor(private readonly region: string, private readonly accountId: string, webhooks: WebhookTarget[], logFile?: string,
    private readonly dataDir?: string, retry: Partial<WebhookRetryPolicy> = {},
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    this.queues = webhooks.map((w) => new WebhookQueue(w, retry, (p) => this.onPark(p), (n) => this.onUnavailable(n)));
    if (logFile) this.eventLog = createWriteStream(logFile, { flags: 'a' });
  }

  private get pendingFile(): string | undefined {
    return this.dataDir ? join(this.dataDir, 'events-pending.jsonl') : undefined;
  }

  private get parkedFile(): string | undefined {
    return this.dataDir ? join(this.dataDir, 'events-parked.jsonl') : undefined;
  }

  private onPark(parked: ParkedEvent): void {
    this.parkedEvents.push(parked);
    if (this.parkedFile) {
      this.parkedLog ??= createWriteStream(this.parkedFile, { flags: 'a' });
      this.parkedLog.write(`${JSON.stringify(parked)}\n`);
    }
  }

  private onUnavailable(n: UnavailableNotice): void {
    const s = n.state;
    const forS = `${Math.round(n.forMs / 1000)} s`;
    this.log(n.kind === 'unavailable'
      ? `oss-server: webhook ${s.url} unavailable for ${forS} (last answer ${s.lastStatus || 'none'}: ${s.lastAnswer ?? ''}); ${s.backlog} events wait in order, none parked`
      : `oss-server: webhook ${s.url} accepts again after ${forS} unavailable; delivering ${s.backlog} waiting events`);
  }

  /** Each webhook queue's state, as GET /-/admin/events/queues answers it. */
  queueStates(): WebhookQueueState[] {
    return this.queues.map((q) => q.state());
  }

  /** The events given up on, oldest first (this run's and, from the data folder, earlier runs'). */
  parked(): ParkedEvent[] {
    return [...this.parkedEvents];
  }

  /** Forgets the parked events (the admin endpoint's DELETE), in memory and in the data folder. */
  async clearParked(): Promise<number> {
    const n = this.parkedEvents.splice(0).length;
    if (this.parkedFile) await truncate(this.parkedFile).catch(() => undefined);
    return n;
  }

  /** Re-queues events a previous run could not deliver (to webhooks with the same URL); reads its parked events back. */
  async restore(): Promise<void> {
    if (this.parkedFile) {
      const parked = await readFile(this.parkedFile, 'utf8').catch(() => '');
      for (const line of parked.split('\n')) if (line) this.parkedEvents.push(JSON.parse(line) as ParkedEvent);
    }
    const file = this.pendingFile;
    if (!file) return;
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const { url, event } = JSON.parse(line) as { url: string; event: OssEvent };
      for (const q of this.queues) if (q.url === url) q.push(event);
    }
    await rm(file, { force: true });
  }

  publish(change: Change): OssEvent {
    const event = buildEvent(change, this.region, this.accountId);
    for (const q of this.queues) q.push(event);
    this.eventLog?.write(`${JSON.stringify(event)}\n`);
    return event;
  }

  async stop(drainMs = 1000): Promise<void> {
    await Promise.all(this.queues.map((q) => q.drain(drainMs)));
    for (const q of this.queues) q.stop();
    const left = this.queues.flatMap((q) => q.undelivered().map((event) => JSON.stringify({ url: q.url, event })));
    if (left.length && this.pendingFile) await writeFile(this.pendingFile, `${left.join('\n')}\n`);
    if (this.eventLog) await new Promise<void>((r) => this.eventLog?.end(r));
    if (this.parkedLog) await new Promise<void>((r) => this.parkedLog?.end(r));
  }
}
