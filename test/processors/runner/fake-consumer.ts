// An in-memory fake of the bus port's consumer, driven by the test: it decides the group's assignments,
// hands over fetched batches, and keeps commits the way the broker does (a commit carries the generation it
// was built in; one that lands after a rebalance is refused).
import type { BusConsumer, GroupAssignment, InboundBatch, InboundMessage, TopicPartitionOffset } from '../../../core/ports/bus.ts';

const id = (topic: string, partition: number) => `${topic}/${partition}`;

export interface CommitRecord {
  offsets: TopicPartitionOffset[];
  generation: number;
  accepted: boolean;
}

export class FakeConsumer implements BusConsumer {
  subscribed: { topics: string[]; fromBeginning: boolean } | undefined;
  generation = 0;
  memberId = 'member-1';
  /** `topic/partition` paused by the runner. */
  readonly paused = new Set<string>();
  /** The group's committed offsets, as the broker holds them. */
  readonly committed = new Map<string, string>();
  /** Answered commit requests, in the order they were answered. */
  readonly commits: CommitRecord[] = [];
  /** Commit requests not answered yet, with the generation each was built in. */
  readonly pending: { offsets: TopicPartitionOffset[]; generation: number; answer(): void }[] = [];
  /** While true, commit requests wait for answerCommits() (a slow coordinator). */
  holdCommits = false;
  heartbeats = 0;
  disconnected = false;
  private onBatch: ((batch: InboundBatch) => void | Promise<void>) | undefined;
  private readonly assignmentListeners = new Set<(a: GroupAssignment) => void>();
  private readonly crashListeners = new Set<(err: unknown, restarting: boolean) => void>();
  private readonly contactListeners = new Set<() => void>();

  async subscribe(topics: string[], fromBeginning = false): Promise<void> {
    this.subscribed = { topics, fromBeginning };
  }

  async run(onBatch: (batch: InboundBatch) => void | Promise<void>): Promise<void> {
    this.onBatch = onBatch;
  }

  onAssignment(listener: (a: GroupAssignment) => void): () => void {
    this.assignmentListeners.add(listener);
    return () => this.assignmentListeners.delete(listener);
  }

  onCrash(listener: (err: unknown, restarting: boolean) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  onBrokerContact(listener: () => void): () => void {
    this.contactListeners.add(listener);
    return () => this.contactListeners.delete(listener);
  }

  /** A broker answered the member (a fetch, a heartbeat, a commit). */
  contact(): void {
    for (const l of this.contactListeners) l();
  }

  async heartbeat(): Promise<void> {
    this.heartbeats++;
  }

  pause(topic: string, partitions: number[]): void {
    for (const p of partitions) this.paused.add(id(topic, p));
  }

  resume(topic: string, partitions: number[]): void {
    for (const p of partitions) this.paused.delete(id(topic, p));
  }

  commit(offsets: TopicPartitionOffset[]): Promise<void> {
    const generation = this.generation; // the request is built now, in this generation
    return new Promise((resolve, reject) => {
      const answer = () => {
        const accepted = generation === this.generation && !this.disconnected;
        this.commits.push({ offsets, generation, accepted });
        if (!accepted) {
          reject(Object.assign(new Error('The provided member is not known in the current generation'), { type: 'ILLEGAL_GENERATION' }));
          return;
        }
        for (const o of offsets) this.committed.set(id(o.topic, o.partition), o.offset);
        resolve();
      };
      if (this.holdCommits) this.pending.push({ offsets, generation, answer });
      else setImmediate(answer);
    });
  }

  async stop(): Promise<void> {
    this.onBatch = undefined;
  }

  async disconnect(): Promise<void> {
    this.onBatch = undefined;
    this.disconnected = true;
  }

  // ---- what the test drives ----

  /** The group's next generation, in which this member owns exactly `partitions` (what it lost is revoked). */
  assign(partitions: Record<string, number[]>, memberId = this.memberId): void {
    this.generation++;
    this.memberId = memberId;
    for (const listener of this.assignmentListeners) listener({ memberId, partitions });
  }

  /**
   * One fetched batch, as the fetch loop hands it over. False when nothing was delivered: the partition is
   * paused, or the consumer no longer fetches.
   */
  async deliver(topic: string, partition: number, messages: InboundMessage[], highWatermark?: string): Promise<boolean> {
    if (!this.onBatch || this.paused.has(id(topic, partition))) return false;
    const last = messages.length ? BigInt(messages[messages.length - 1]!.offset) : -1n;
    await this.onBatch({ topic, partition, messages, nextOffset: (last + 1n).toString(), highWatermark: highWatermark ?? (last + 1n).toString() });
    return true;
  }

  /** Answers the commit requests held so far. */
  answerCommits(): void {
    for (const p of this.pending.splice(0)) p.answer();
  }

  crash(err: unknown, restarting: boolean): void {
    for (const listener of this.crashListeners) listener(err, restarting);
  }

  /** The offsets committed and accepted for one partition, in order. */
  acceptedFor(topic: string, partition: number): string[] {
    return this.commits.filter((c) => c.accepted).flatMap((c) => c.offsets.filter((o) => o.topic === topic && o.partition === partition).map((o) => o.offset));
  }
}

/** A message of `topic`/`partition` at `offset` with a string key. */
export function message(topic: string, partition: number, offset: number, key: string | null): InboundMessage {
  return {
    topic, partition, offset: String(offset), key: key === null ? null : Buffer.from(key), value: Buffer.from(`v${offset}`),
    headers: {}, timestamp: 0,
  };
}

/** Messages at offsets `from`..`to - 1`, keyed by `keyOf(offset)`. */
export function messages(topic: string, partition: number, from: number, to: number, keyOf: (offset: number) => string): InboundMessage[] {
  return Array.from({ length: to - from }, (_, i) => message(topic, partition, from + i, keyOf(from + i)));
}
