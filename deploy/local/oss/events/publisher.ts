// Fans each committed change out as an event: to every webhook queue and, if configured, one JSON line
// in the event log file. Called synchronously at commit, so queue order is commit order. Events still
// undelivered at a clean stop are kept in the data folder and sent first after the next start.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '../store/bucket.ts';
import { buildEvent, type OssEvent } from './event.ts';
import { WebhookQueue, type WebhookTarget } from './webhook-queue.ts';

export class EventPublisher {
  private readonly queues: WebhookQueue[];
  private readonly log?: WriteStream;

  constructor(private readonly region: string, private readonly accountId: string, webhooks: WebhookTarget[], logFile?: string,
    private readonly dataDir?: string) {
    this.queues = webhooks.map((w) => new WebhookQueue(w));
    if (logFile) this.log = createWriteStream(logFile, { flags: 'a' });
  }

  private get pendingFile(): string | undefined {
    return this.dataDir ? join(this.dataDir, 'events-pending.jsonl') : undefined;
  }

  /** Re-queues events a previous run could not deliver (to webhooks with the same URL). */
  async restore(): Promise<void> {
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
  }
}
