// Fans each committed change out as an event: to every webhook queue and, if configured, one JSON line
// in the event log file. Called synchronously at commit, so queue order is commit order.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Change } from '../store/bucket.ts';
import { buildEvent, type OssEvent } from './event.ts';
import { WebhookQueue, type WebhookTarget } from './webhook-queue.ts';

export class EventPublisher {
  private readonly queues: WebhookQueue[];
  private readonly log?: WriteStream;

  constructor(private readonly region: string, private readonly accountId: string, webhooks: WebhookTarget[], logFile?: string) {
    this.queues = webhooks.map((w) => new WebhookQueue(w));
    if (logFile) this.log = createWriteStream(logFile, { flags: 'a' });
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
    if (this.log) await new Promise<void>((r) => this.log?.end(r));
  }
}
