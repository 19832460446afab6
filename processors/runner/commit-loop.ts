// The commit loop: every tick, commit each owned partition's low watermark that moved, and heartbeat. Only finished work is ever committed (the scheduler's watermark), and only for partitions
// this member owns at the instant the request is built.
import type { BusConsumer, TopicPartitionOffset } from '../../core/ports/bus.ts';
import { describeError } from '../../core/errors.ts';
import type { KeyScheduler } from './key-scheduler.ts';
import { splitPartitionId } from './partition-id.ts';

export interface CommitLoopHooks {
  onCommit?(topic: string, partition: number, offset: string): void;
  /** The metadata to commit beside a partition's offset; a change of it alone is worth a commit. */
  metadata?(id: string, offset: bigint): string | undefined;
  warn(msg: string, ctx: Record<string, unknown>): void;
}

export class CommitLoop {
  private readonly committed = new Map<string, bigint>();
  private readonly committedMetadata = new Map<string, string | undefined>();
  private readonly highWatermarks = new Map<string, bigint>();
  private inProgress: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly scheduler: KeyScheduler<unknown>,
    private readonly consumer: BusConsumer,
    private readonly hooks: CommitLoopHooks,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The high watermark a fetched batch reported for its partition, for the runner's own idle check (stats). */
  fetched(id: string, highWatermark: string): void {
    this.highWatermarks.set(id, BigInt(highWatermark));
  }

  /** A revoked partition's offsets are the new owner's business now. */
  forget(id: string): void {
    this.committed.delete(id);
    this.committedMetadata.delete(id);
    this.highWatermarks.delete(id);
  }

  /** Resolves when the commit in flight (if any) has settled. */
  async settled(): Promise<void> {
    if (this.inProgress) await this.inProgress;
  }

  /** Commits every owned partition's watermark that moved. Call only at the start of a macrotask (see below). */
  commit(): Promise<void> {
    if (this.inProgress) return this.inProgress;
    // kafkajs swaps its generation and then emits GROUP_JOIN a few microtasks later; at the start of a
    // macrotask both agree, and the ownership check below and the request are built in the same tick.
    const offsets: TopicPartitionOffset[] = [];
    const values = new Map<string, { mark: bigint; metadata: string | undefined }>();
    for (const id of this.scheduler.owned()) {
      const mark = this.scheduler.watermark(id);
      const last = this.committed.get(id);
      if (mark === undefined || (last !== undefined && mark < last)) continue;
      const metadata = this.hooks.metadata?.(id, mark);
      if (last !== undefined && mark === last && metadata === this.committedMetadata.get(id)) continue;
      values.set(id, { mark, metadata });
      offsets.push({ ...splitPartitionId(id), offset: mark.toString(), ...(metadata === undefined ? {} : { metadata }) });
    }
    if (offsets.length === 0) return Promise.resolve();
    this.inProgress = this.consumer.commit(offsets)
      .then(() => {
        for (const [id, { mark, metadata }] of values) {
          if (!this.scheduler.owns(id)) continue;
          const prev = this.committed.get(id);
          if (prev === undefined || mark >= prev) {
            this.committed.set(id, mark);
            this.committedMetadata.set(id, metadata);
          }
          const { topic, partition } = splitPartitionId(id);
          this.hooks.onCommit?.(topic, partition, mark.toString());
        }
      })
      .catch((err: unknown) => {
        // A rebalance fences the commit (ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS); the next tick retries
        // with whatever this member owns by then.
        this.hooks.warn('commit failed; will retry', { error: describeError(err), offsets });
      })
      .finally(() => {
        this.inProgress = undefined;
      });
    return this.inProgress;
  }

  /**
   * What this member has not finished of what it fetched (last fetched high watermark − committed): an idle
   * check for its owner. Not consumer lag: that comes from the broker (core/metrics/consumer-lag.ts).
   */
  lagOf(id: string): number | undefined {
    const hw = this.highWatermarks.get(id);
    const base = this.committed.get(id) ?? this.scheduler.watermark(id);
    if (hw === undefined || base === undefined) return undefined;
    const lag = hw - base;
    return Number(lag > 0n ? lag : 0n);
  }

  /** `topic/partition` → the last offset committed for a partition still owned. */
  committedOffsets(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, offset] of this.committed) out[id] = offset.toString();
    return out;
  }

  private tick(): void {
    void this.commit();
    this.consumer.heartbeat().catch(() => {
      // The fetch loop sees the same error and rejoins; nothing to do here.
    });
  }
}
