// One ordered delivery queue per webhook: POSTs JSON-array batches of up to 500 events and retries the same
// batch with capped backoff until it is accepted, so delivery is at-least-once and in commit order.
// A 4xx other than 408/429 is a refusal, not an outage: a refused batch is resent one event at a time and
// only the events refused on their own are dropped (counted in `refused`), so one bad event never blocks
// the queue nor takes good events down with it.
import type { OssEvent } from './event.ts';

export interface WebhookTarget { url: string; token?: string }

const BATCH = 500;
const MAX_BACKOFF_MS = 2000;

export class WebhookQueue {
  private readonly pending: OssEvent[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private wake?: () => void;
  delivered = 0;
  failures = 0;
  refused = 0;
  /** Events of a refused batch still to be resent one at a time. */
  private singles = 0;

  constructor(private readonly target: WebhookTarget) {}

  push(event: OssEvent): void {
    if (this.stopped) return;
    this.pending.push(event);
    if (!this.running) void this.loop();
  }

  get backlog(): number {
    return this.pending.length;
  }

  get url(): string {
    return this.target.url;
  }

  /** Events not yet accepted by the receiver (oldest first). */
  undelivered(): OssEvent[] {
    return [...this.pending];
  }

  private async loop(): Promise<void> {
    this.running = true;
    let backoff = 50;
    while (this.pending.length && !this.stopped) {
      const batch = this.pending.slice(0, this.singles > 0 ? 1 : BATCH);
      const answer = await this.post(batch);
      if (answer !== 'retry') backoff = 50;
      if (answer === 'accepted' || (answer === 'refused' && batch.length === 1)) {
        this.pending.splice(0, batch.length);
        if (answer === 'accepted') this.delivered += batch.length;
        else this.refused += batch.length;
        if (this.singles > 0) this.singles--;
      } else if (answer === 'refused') {
        this.singles = batch.length;
      } else {
        this.failures++;
        await new Promise<void>((r) => {
          const t = setTimeout(r, backoff);
          this.wake = () => { clearTimeout(t); r(); };
        });
        this.wake = undefined;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async post(batch: OssEvent[]): Promise<'accepted' | 'refused' | 'retry'> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    try {
      const res = await fetch(this.target.url, { method: 'POST', headers, body: JSON.stringify(batch), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return 'accepted';
      return res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 ? 'refused' : 'retry';
    } catch {
      return 'retry';
    }
  }

  /** Waits until the queue is empty or `timeoutMs` passes; returns whether it drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (!this.running && !this.pending.length) return true;
    const drained = new Promise<boolean>((r) => this.idleWaiters.push(() => r(true)));
    const timer = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
    return Promise.race([drained, timer]);
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
