// Fans each committed change out as an event: to every webhook queue and, if configured, one JSON line
// in the event log file. Called synchronously at commit, so queue order is commit order. Events still
// undelivered at a clean stop are kept in the data folder and sent first after the next start. Events a
// queue gave up on (refused, or failing past its retry policy) are parked: kept in memory for the admin
// endpoint and appended to events-parked.jsonl in the data folder, which a restart reads back.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '../store/bucket.ts';
import { buildEvent, type OssEvent } from './event.ts';
import { WebhookQueue, type ParkedEvent, type WebhookRetryPolicy, type WebhookTarget } from './webhook-queue.ts';

export class EventPublisher {
  private readonly queues: WebhookQueue[];
  private readonly log?: WriteStream;
  private parkedLog?: WriteStream;
  private readonly parkedEvents: ParkedEvent[] = [];

  constructor(private readonly region: string, private readonly accountId: string, webhooks: WebhookTarget[], logFile?: string,
    private readonly dataDir?: string, retry: Partial<WebhookRetryPolicy> = {}) {
    this.queues = webhooks.map((w) => new WebhookQueue(w, retry, (p) => this.onPark(p)));
    if (logFile) this.log = createWriteStream(logFile, { flags: 'a' });
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
    this.log?.write(`${JSON.stringify(event)}\n`);
    return event;
  }

  async stop(drainMs = 1000): Promise<void> {
    await Promise.all(this.queues.map((q) => q.drain(drainMs)));
    for (const q of this.queues) q.stop();
    const left = this.queues.flatMap((q) => q.undelivered().map((event) => JSON.stringify({ url: q.url, event })));
    if (left.length && this.pendingFile) await writeFile(this.pendingFile, `${left.join('\n')}\n`);
    if (this.log) await new Promise<void>((r) => this.log?.end(r));
    if (this.parkedLog) await new Promise<void>((r) => this.parkedLog?.end(r));
  }
}
