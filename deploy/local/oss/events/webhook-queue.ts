// One ordered delivery queue per webhook: POSTs JSON-array batches of up to 100 events and retries the same
// batch with capped backoff until it is accepted, so delivery is at-least-once and in commit order.
import type { OssEvent } from './event.ts';

export interface WebhookTarget { url: string; token?: string }

const BATCH = 100;
const MAX_BACKOFF_MS = 2000;

export class WebhookQueue {
  private readonly pending: OssEvent[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private wake?: () => void;
  delivered = 0;
  failures = 0;

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
      const batch = this.pending.slice(0, BATCH);
      if (await this.post(batch)) {
        this.pending.splice(0, batch.length);
        this.delivered += batch.length;
        backoff = 50;
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

  private async post(batch: OssEvent[]): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    try {
      const res = await fetch(this.target.url, { method: 'POST', headers, body: JSON.stringify(batch), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
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
