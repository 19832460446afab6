// One ordered delivery queue per webhook, as EventBridge delivers with its retry policy and dead-letter queue:
// POSTs JSON-array batches of up to 500 events in commit order, at least once, and never stays stuck behind
// one event. Each answer is one of:
// - accepted (2xx): the batch is done;
// - refused (a 4xx other than 408/429): the event is bad input; it is parked at once;
// - failed (a 5xx other than 503): the event may be at fault; it is retried with backoff up to the policy's
//   attempts, then parked;
// - unavailable (503, 408, 429, no answer: refused connection, reset, timeout): the receiver (or what is behind
//   it, such as Kafka) is down or busy for every event, so the queue waits with capped backoff without spending
//   any event's attempts: parking every event of an outage would lose them all.
// A batch that is refused or fails is resent one event at a time, so the events around a bad one are
// delivered and only it is parked; the events behind it wait at most its attempts and their backoff.
// An unavailable receiver is not silent: past `unavailableWarnAfterMs` the queue reports it once (the
// server logs a line) and its state (GET /-/admin/events/queues) says since when, with what answer, and
// how many events wait; it reports again when the receiver accepts.
import type { OssEvent } from './event.ts';

export interface WebhookTarget { url: string; token?: string }

/** How many times one event is sent to a failing (5xx) receiver before it is parked, and the waits between. */
export interface WebhookRetryPolicy {
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long one POST may take before it counts as no answer. */
  timeoutMs: number;
  /** An unavailable receiver (503, 408, 429, no answer) for longer than this is reported. */
  unavailableWarnAfterMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 2000, timeoutMs: 10_000, unavailableWarnAfterMs: 60_000 };

/** A queue as an operator sees it (GET /-/admin/events/queues). */
export interface WebhookQueueState {
  url: string;
  /** Events not yet accepted, oldest first. */
  backlog: number;
  delivered: number;
  parked: number;
  /** Since when every send got "unavailable" (ISO), null while the receiver answers. */
  unavailableSince: string | null;
  /** The last answer of that streak: status (0: no answer) and the start of its body. */
  lastStatus: number | null;
  lastAnswer: string | null;
}

/** What the queue reports about an unavailable receiver: past the bound, and again once it accepts. */
export type UnavailableNotice = { kind: 'unavailable' | 'recovered'; forMs: number; state: WebhookQueueState };

/** An event given up on, as an EventBridge dead-letter queue keeps it: why, after how many sends, and when. */
export interface ParkedEvent {
  url: string;
  reason: 'refused' | 'failed';
  /** The receiver's last answer: status and the start of its body. */
  status: number;
  answer: string;
  attempts: number;
  parkedAt: string;
  event: OssEvent;
}

type Answer = { kind: 'accepted' | 'refused' | 'failed' | 'unavailable'; status: number; body: string };

const BATCH = 500;
const MAX_ANSWER_CHARS = 500;

function classify(status: number): Answer['kind'] {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 503 || status === 408 || status === 429) return 'unavailable';
  if (status >= 400 && status < 500) return 'refused';
  return 'failed';
}

export class WebhookQueue {
  private readonly pending: OssEvent[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private wake?: () => void;
  delivered = 0;
  failures = 0;
  refused = 0;
  parked = 0;
  /** Events of a refused or failed batch still to be resent one at a time. */
  private singles = 0;
  private readonly policy: WebhookRetryPolicy;
  private unavailable: { since: number; last: Answer; reported: boolean } | undefined;

  constructor(private readonly target: WebhookTarget, policy: Partial<WebhookRetryPolicy> = {},
    private readonly onPark: (parked: ParkedEvent) => void = () => {},
    private readonly onUnavailable: (notice: UnavailableNotice) => void = () => {}) {
    this.policy = { ...DEFAULT_WEBHOOK_RETRY, ...policy };
  }

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

  state(): WebhookQueueState {
    const u = this.unavailable;
    return {
      url: this.target.url, backlog: this.pending.length, delivered: this.delivered, parked: this.parked,
      unavailableSince: u ? new Date(u.since).toISOString() : null, lastStatus: u?.last.status ?? null, lastAnswer: u?.last.body ?? null,
    };
  }

  /** Tracks a streak of "unavailable" answers: reported once past the bound, and when it ends. */
  private noteAnswer(answer: Answer): void {
    const now = Date.now();
    if (answer.kind === 'unavailable') {
      const u = this.unavailable ??= { since: now, last: answer, reported: false };
      u.last = answer;
      if (!u.reported && now - u.since >= this.policy.unavailableWarnAfterMs) {
        u.reported = true;
        this.onUnavailable({ kind: 'unavailable', forMs: now - u.since, state: this.state() });
      }
      return;
    }
    const u = this.unavailable;
    this.unavailable = undefined;
    if (u?.reported) this.onUnavailable({ kind: 'recovered', forMs: now - u.since, state: this.state() });
  }

  /** Events not yet accepted by the receiver (oldest first). */
  undelivered(): OssEvent[] {
    return [...this.pending];
  }

  private park(event: OssEvent, reason: ParkedEvent['reason'], answer: Answer, attempts: number): void {
    this.pending.shift();
    this.parked++;
    if (reason === 'refused') this.refused++;
    this.onPark({ url: this.target.url, reason, status: answer.status, answer: answer.body, attempts, parkedAt: new Date().toISOString(), event });
  }

  private async loop(): Promise<void> {
    this.running = true;
    let backoff = this.policy.initialBackoffMs;
    let attempts = 0;
    while (this.pending.length && !this.stopped) {
      // An event being retried is retried on its own, so the events that arrived behind it do not share its fate.
      const batch = this.pending.slice(0, this.singles > 0 || attempts > 0 ? 1 : BATCH);
      const answer = await this.post(batch);
      this.noteAnswer(answer);
      let retrySame = false;
      if (answer.kind === 'unavailable') {
        this.failures++;
        retrySame = true;
      } else if (answer.kind === 'accepted') {
        this.pending.splice(0, batch.length);
        this.delivered += batch.length;
        if (this.singles > 0) this.singles--;
      } else if (batch.length > 1) {
        // Which event is at fault is unknown: each is sent on its own, with its own attempts.
        this.singles = batch.length;
        if (answer.kind === 'failed') this.failures++;
      } else if (answer.kind === 'refused') {
        this.park(batch[0], 'refused', answer, attempts + 1);
        if (this.singles > 0) this.singles--;
      } else {
        this.failures++;
        retrySame = ++attempts < this.policy.attempts;
        if (!retrySame) {
          this.park(batch[0], 'failed', answer, attempts);
          if (this.singles > 0) this.singles--;
        }
      }
      if (!retrySame) {
        attempts = 0;
        backoff = this.policy.initialBackoffMs;
        continue;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, backoff);
        this.wake = () => { clearTimeout(t); r(); };
      });
      this.wake = undefined;
      backoff = Math.min(backoff * 2, this.policy.maxBackoffMs);
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async post(batch: OssEvent[]): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    try {
      const res = await fetch(this.target.url, { method: 'POST', headers, body: JSON.stringify(batch), signal: AbortSignal.timeout(this.policy.timeoutMs) });
      const body = await res.text().catch(() => '');
      return { kind: classify(res.status), status: res.status, body: body.slice(0, MAX_ANSWER_CHARS) };
    } catch (err) {
      return { kind: 'unavailable', status: 0, body: (err as Error).message };
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
