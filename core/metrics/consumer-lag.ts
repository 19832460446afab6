// Consumer lag from the broker (DESIGN §7): per partition, end offset minus the group's committed offset,
// read with the admin API on a timer, never from fetched batches. When a round trip fails the last known
// offsets are kept, so lag holds instead of reading as "caught up", and crr_kafka_reachable turns 0.
import type { Gauge } from 'prom-client';
import type { BrokerOffsets, CommittedOffset, PartitionOffsets } from '../ports/bus.ts';
import type { CrrMetrics } from './metrics.ts';

/** A consumer group reading a topic: one lane of the processors. */
export interface LagWatch {
  topic: string;
  groupId: string;
}

export interface ConsumerLagOptions {
  offsets: BrokerOffsets;
  watches: LagWatch[];
  consumerLag: Gauge<'topic' | 'partition'>;
  kafkaReachable: Gauge;
  /** How often to ask the broker (default 5 s). */
  intervalMs?: number;
  /** A round trip slower than this counts as unreachable (default: the interval, at least 3 s). */
  timeoutMs?: number;
  /**
   * Export only these partitions of a topic (a processor: the ones it owns), set with `own()`. Without
   * it every partition is exported (`crr status --serve`, which owns none but reads the whole bus).
   */
  ownedOnly?: boolean;
}

/** The lag of a partition: end − committed; a group that committed nothing reads from the earliest offset held. */
export function partitionLag(offsets: PartitionOffsets, committed: CommittedOffset | undefined): number {
  const end = BigInt(offsets.high);
  const c = committed === undefined ? -1n : BigInt(committed.offset);
  const from = c < 0n ? BigInt(offsets.low) : c;
  const lag = end - from;
  return Number(lag > 0n ? lag : 0n);
}

interface Known {
  offsets: Map<number, PartitionOffsets>;
  committed: Map<number, CommittedOffset>;
}

export class ConsumerLag {
  private readonly known = new Map<string, Known>(); // topic → last offsets read
  private readonly owned = new Map<string, Set<number>>();
  private readonly exported = new Set<string>(); // `topic\0partition` series this monitor set
  private reachableNow: boolean | undefined;
  private lastRound: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ConsumerLagOptions) {}

  /** Starts the timer after a first round (awaited, so the gauges are set on return). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** Stops the timer and removes every series this monitor exported: a stopped process owns nothing. */
  stop(): void {
    clearInterval(this.timer);
    for (const id of this.exported) this.removeSeries(id);
  }

  /** The partitions of `topic` this process now owns: a revoked partition's series is removed at once. */
  own(topic: string, partitions: readonly number[]): void {
    this.owned.set(topic, new Set(partitions));
    this.export();
  }

  /** Whether the last round trip succeeded (undefined before the first one ended). */
  reachable(): boolean | undefined {
    return this.reachableNow;
  }

  /** partition → lag of `topic` as last known, for the exported partitions (held while unreachable). */
  lag(topic: string): Map<number, number> {
    const out = new Map<number, number>();
    const k = this.known.get(topic);
    if (!k) return out;
    for (const p of this.exportedPartitions(topic, k)) out.set(p, partitionLag(k.offsets.get(p)!, k.committed.get(p)));
    return out;
  }

  /** One round trip for every watch; overlapping calls share the round in flight. */
  refresh(): Promise<void> {
    this.lastRound ??= this.round().finally(() => {
      this.lastRound = undefined;
    });
    return this.lastRound;
  }

  private async round(): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? Math.max(3000, this.opts.intervalMs ?? 5000);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Kafka in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const read = await Promise.race([Promise.all(this.opts.watches.map(async (w) => {
        const [offsets, committed] = await Promise.all([this.opts.offsets.topicOffsets(w.topic), this.opts.offsets.committedOffsets(w.groupId, w.topic)]);
        return { topic: w.topic, offsets: new Map(offsets.map((o) => [o.partition, o])), committed };
      })), timeout]);
      for (const r of read) this.known.set(r.topic, r);
      this.reachableNow = true;
    } catch {
      // Keep the offsets last known: lag holds at its last value, it never drops to 0 for want of news.
      this.reachableNow = false;
    } finally {
      clearTimeout(timer);
    }
    this.opts.kafkaReachable.set(this.reachableNow ? 1 : 0);
    this.export();
  }

  private exportedPartitions(topic: string, k: Known): number[] {
    const all = [...k.offsets.keys()];
    if (!this.opts.ownedOnly) return all;
    const owned = this.owned.get(topic);
    return owned ? all.filter((p) => owned.has(p)) : [];
  }

  private export(): void {
    const now = new Set<string>();
    for (const [topic, k] of this.known) {
      for (const p of this.exportedPartitions(topic, k)) {
        now.add(`${topic}\0${p}`);
        this.opts.consumerLag.set({ topic, partition: String(p) }, partitionLag(k.offsets.get(p)!, k.committed.get(p)));
      }
    }
    for (const id of this.exported) if (!now.has(id)) this.removeSeries(id);
    for (const id of now) this.exported.add(id);
  }

  private removeSeries(id: string): void {
    const [topic, partition] = id.split('\0') as [string, string];
    this.opts.consumerLag.remove({ topic, partition });
    this.exported.delete(id);
  }
}

/** A ConsumerLag on the project's gauges; registers crr_kafka_reachable on the registry the first time. */
export function consumerLagFor(
  metrics: Pick<CrrMetrics, 'registry' | 'consumerLag' | 'kafkaReachable'>,
  opts: Omit<ConsumerLagOptions, 'consumerLag' | 'kafkaReachable'>,
): ConsumerLag {
  if (!metrics.registry.getSingleMetric('crr_kafka_reachable')) metrics.registry.registerMetric(metrics.kafkaReachable);
  return new ConsumerLag({ ...opts, consumerLag: metrics.consumerLag, kafkaReachable: metrics.kafkaReachable });
}
