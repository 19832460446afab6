// Publishes change records with natural batching: callers await their own records' acknowledgement,
// and everything that arrives while one produce request is in flight goes out in the next one.
import type { BusProducer, OutgoingRecord } from './ports/bus.ts';

interface Waiting { records: OutgoingRecord[]; resolve: () => void; reject: (err: unknown) => void }

export class CoalescingPublisher {
  private queue: Waiting[] = [];
  private sending: Promise<void> | null = null;

  constructor(
    private readonly producer: BusProducer,
    private readonly topic: string,
    private readonly maxRecordsPerRequest = 5000,
  ) {}

  /**
   * Resolves once Kafka acknowledged every one of `records` (acks = all). When `withdraw` aborts while the
   * records still wait for a request (one is in flight), they are taken out and the promise rejects: a
   * notifier that gave up on its request sends the events again, and each of its timeouts in a Kafka outage
   * otherwise queued one more copy of the backlog, all published on the broker's return. Records already
   * in a request are published whatever happens.
   */
  publish(records: OutgoingRecord[], withdraw?: AbortSignal): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = { records, resolve, reject };
      if (withdraw?.aborted) return reject(new Error('withdrawn before publishing'));
      withdraw?.addEventListener('abort', () => {
        const at = this.queue.indexOf(waiting);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(new Error('withdrawn before publishing'));
      }, { once: true });
      this.queue.push(waiting);
      this.pump();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    while (this.sending || this.queue.length) await (this.sending ?? Promise.resolve());
  }

  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    const batch: Waiting[] = [];
    let count = 0;
    while (this.queue.length && (count === 0 || count + this.queue[0].records.length <= this.maxRecordsPerRequest)) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.records.length;
    }
    this.sending = this.producer.send(this.topic, batch.flatMap((w) => w.records)).then(
      () => batch.forEach((w) => w.resolve()),
      (err) => batch.forEach((w) => w.reject(err)),
    ).finally(() => {
      this.sending = null;
      this.pump();
    });
  }
}
