// A thin consumer-group wrapper in project terms: plain messages, manual commits only, pause/resume,
// and assignment notifications. kafkajs 2.2.4 has no revoke callback, so owners learn of a
// rebalance from the GROUP_JOIN event, which carries the new assignment.
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import type { KafkaClient } from './client.ts';

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** A header repeated on the record keeps its last value. */
  headers: Record<string, Buffer | undefined>;
  timestamp: number;
}

export interface InboundBatch {
  topic: string;
  partition: number;
  messages: InboundMessage[];
  /** The offset after the last record of the fetched batch, control records included. */
  nextOffset: string;
  /** The partition's high watermark when it was fetched: the offset the next produced record will get. */
  highWatermark: string;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface GroupAssignment {
  memberId: string;
  /** topic → partitions this member now owns. */
  partitions: Record<string, number[]>;
}

export interface ConsumerOptions {
  groupId: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
  minBytes?: number;
  maxWaitTimeInMs?: number;
}

export interface BusConsumer {
  subscribe(topics: string[], fromBeginning?: boolean): Promise<void>;
  /**
   * Starts fetching. `onBatch` runs inside kafkajs's fetch loop, so it must return quickly; the last
   * offset of every batch is marked fetched (never committed) so fetching moves on.
   */
  run(onBatch: (batch: InboundBatch) => void | Promise<void>): Promise<void>;
  /** Called after each join of the group, with the full new assignment. Returns an unsubscribe function. */
  onAssignment(listener: (assignment: GroupAssignment) => void): () => void;
  /** Called when the consumer crashed; `restarting` tells whether kafkajs restarts it by itself. */
  onCrash(listener: (err: unknown, restarting: boolean) => void): () => void;
  /** Heartbeats now if the interval has passed; resolves without effect before the first batch. */
  heartbeat(): Promise<void>;
  pause(topic: string, partitions: number[]): void;
  resume(topic: string, partitions: number[]): void;
  /**
   * Commits exactly these offsets (the next offset to read, per partition), in the current group
   * generation. The request is built synchronously, so a caller that checked its assignment in the
   * same tick commits under the generation that assignment belongs to.
   */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching and leaves the group; the connection stays open. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
}

function toHeaders(headers: IHeaders | undefined): Record<string, Buffer | undefined> {
  const out: Record<string, Buffer | undefined> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    out[name] = value === undefined ? undefined : Buffer.isBuffer(value) ? value : Buffer.from(value);
  }
  return out;
}

function toMessage(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  return {
    topic, partition, offset: m.offset, key: m.key ?? null, value: m.value,
    headers: toHeaders(m.headers), timestamp: Number(m.timestamp),
  };
}

export async function createConsumer(kafka: KafkaClient, opts: ConsumerOptions): Promise<BusConsumer> {
  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: opts.rebalanceTimeoutMs ?? 60_000,
    heartbeatInterval: opts.heartbeatIntervalMs ?? 3000,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 1_048_576,
    minBytes: opts.minBytes ?? 1,
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 500,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  // kafkajs only hands out heartbeat() inside a batch; it is the same group heartbeat for every batch.
  let heartbeatFn: (() => Promise<void>) | undefined;

  return {
    subscribe: (topics, fromBeginning = false) => consumer.subscribe({ topics, fromBeginning }),
    run: (onBatch) => consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }: EachBatchPayload) => {
        heartbeatFn = heartbeat;
        await onBatch({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages.map((m) => toMessage(batch.topic, batch.partition, m)),
          nextOffset: (BigInt(batch.lastOffset()) + 1n).toString(),
          highWatermark: batch.highWatermark,
        });
      },
    }),
    onAssignment: (listener) => consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const { memberId, memberAssignment } = event.payload;
      listener({ memberId, partitions: { ...memberAssignment } });
    }),
    onCrash: (listener) => consumer.on(consumer.events.CRASH, (event) => {
      listener(event.payload.error, event.payload.restart);
    }),
    heartbeat: async () => {
      await heartbeatFn?.();
    },
    pause: (topic, partitions) => consumer.pause([{ topic, partitions }]),
    resume: (topic, partitions) => consumer.resume([{ topic, partitions }]),
    commit: async (offsets) => {
      if (offsets.length === 0) return;
      await consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    },
    stop: () => consumer.stop(),
    disconnect: () => consumer.disconnect(),
  };
}
