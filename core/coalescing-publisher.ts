// Publishes records with natural batching: callers await their own records' acknowledgement, and everything
// that arrives while one produce request is in flight goes out in the next one. publishGroups() adds records
// for other topics to the same requests (a backfill task's outcome and done record go out together: kafkajs's
// cost is mostly per request, not per record).
import type { BusProducer, OutgoingRecord } from './ports/bus.ts';

export interface TopicRecords { topic: string; records: OutgoingRecord[] }

interface Waiting { groups: TopicRecords[]; count: number; resolve: () => void; reject: (err: unknown) => void }

export class CoalescingPublisher {
  private queue: Waiting[] = [];
  private sending: Promise<void> | null = null;

  constructor(
    private readonly producer: BusProducer,
    readonly topic: string,
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
    return this.publishGroups([{ topic: this.topic, records }], withdraw);
  }

  /** As publish(), for records of any topics, sent in one request (or in consecutive ones past the size cap). */
  publishGroups(groups: TopicRecords[], withdraw?: AbortSignal): Promise<void> {
    const count = groups.reduce((n, g) => n + g.records.length, 0);
    if (count === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = { groups, count, resolve, reject };
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
    while (this.queue.length && (count === 0 || count + this.queue[0].count <= this.maxRecordsPerRequest)) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.count;
    }
    this.sending = send(this.producer, batch).then(
      () => batch.forEach((w) => w.resolve()),
      (err) => batch.forEach((w) => w.reject(err)),
    ).finally(() => {
      this.sending = null;
      this.pump();
    });
  }
}

async function send(producer: BusProducer, batch: Waiting[]): Promise<void> {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const { groups } of batch) {
    for (const g of groups) {
      if (g.records.length === 0) continue;
      const list = byTopic.get(g.topic);
      if (list) list.push(...g.records);
      else byTopic.set(g.topic, [...g.records]);
    }
  }
  if (byTopic.size === 1) {
    const [[topic, records]] = byTopic;
    await producer.send(topic, records);
  } else {
    await producer.sendBatch([...byTopic].map(([topic, records]) => ({ topic, records })));
  }
}
