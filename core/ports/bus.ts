// The bus port: what the pipeline needs from Kafka, in its own words. A consumer-group member that fetches
// batches, learns its assignment and commits exactly the offsets it is told; a producer that resolves once
// the broker acknowledged. core/adapters/kafka implements it; unit tests use in-memory fakes.

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
  /** Offset-commit metadata stored with a committed offset (processors: their progress, progress-metadata.ts). */
  metadata?: string;
}

export interface GroupAssignment {
  memberId: string;
  /** topic → partitions this member now owns. */
  partitions: Record<string, number[]>;
}

/** How a member joins its group: the group, and how soon a silent member loses its partitions. */
export interface GroupMemberOptions {
  groupId: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
  minBytes?: number;
  maxWaitTimeInMs?: number;
}

/**
 * One member of a consumer group. Nothing is committed unless asked: the owner of the offsets (the runner)
 * decides what is done. The classic group protocol tells a member of a revoke only with its next
 * assignment (there is no revoke callback), so `onAssignment` carries the whole new assignment.
 */
export interface BusConsumer {
  subscribe(topics: string[], fromBeginning?: boolean): Promise<void>;
  /**
   * Starts fetching. `onBatch` runs inside the fetch loop, so it must return quickly; the last offset of
   * every batch is marked fetched (never committed) so fetching moves on.
   */
  run(onBatch: (batch: InboundBatch) => void | Promise<void>): Promise<void>;
  /** Called after each join of the group, with the full new assignment. Returns an unsubscribe function. */
  onAssignment(listener: (assignment: GroupAssignment) => void): () => void;
  /** Called when the consumer crashed; `restarting` tells whether the client restarts it by itself. */
  onCrash(listener: (err: unknown, restarting: boolean) => void): () => void;
  /**
   * Called whenever a broker answered this member: a fetch, a heartbeat or a commit came back. While the
   * member is connected this happens at least every heartbeat interval; silence means Kafka is out of reach.
   */
  onBrokerContact(listener: () => void): () => void;
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

/** Opens a group member (connected, not yet subscribed): what a runner lane needs from the bus. */
export type OpenConsumer = (opts: GroupMemberOptions) => Promise<BusConsumer>;

export interface OutgoingRecord {
  key: string | Buffer;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
  timestamp?: number;
}

export interface RecordAck {
  topic: string;
  partition: number;
  baseOffset: string;
}

export interface BusProducer {
  /** Publishes records to one topic; resolves once the broker acknowledged all of them (acks = all). */
  send(topic: string, records: OutgoingRecord[]): Promise<RecordAck[]>;
  /** Publishes to several topics in one request. */
  sendBatch(batches: { topic: string; records: OutgoingRecord[] }[]): Promise<RecordAck[]>;
  disconnect(): Promise<void>;
}

/** One partition's offsets as the broker knows them. */
export interface PartitionOffsets {
  partition: number;
  /** The earliest offset still held (retention moves it). */
  low: string;
  /** The offset the next produced record will get. */
  high: string;
}

/** A group's committed offset on one partition: '-1' where it committed none; metadata as committed with it. */
export interface CommittedOffset {
  offset: string;
  metadata: string | null;
}

/**
 * Offsets from the broker's admin API, the source of truth for lag and progress (DESIGN §7). Each call is
 * one round trip; a broker that cannot be reached fails it (after the client's retries).
 */
export interface BrokerOffsets {
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** partition → the group's committed offset on `topic`. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, CommittedOffset>>;
  close(): Promise<void>;
}

/**
 * Reads, per partition, the first record at or after an offset (gaps: compaction, control records). A
 * partition whose offset is at its end, or not answered in time, is absent from the result.
 */
export type ReadAt = (topic: string, at: Map<number, string>) => Promise<Map<number, InboundMessage>>;

/**
 * A producer whose writes are all-or-nothing: consumers (which read committed) see every record of one
 * `commit` or none. A newer producer with the same transactional id fences this one: its next commit fails
 * with CrrError BACKFILL_FENCED (a zombie owner can never write again).
 */
export interface TransactionalProducer {
  commit(batches: { topic: string; records: OutgoingRecord[] }[]): Promise<void>;
  disconnect(): Promise<void>;
}
