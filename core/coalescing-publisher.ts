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

  /** Resolves once Kafka acknowledged every one of `records` (acks = all). */
  publish(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
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
