// The status report (`crr status`, its /status page and metrics), read from Kafka alone: end and committed
// offsets with the processors' progress metadata, and the first untaken message of a partition. It is
// right with any number of processors, after restarts, and with none running.
import type { BrokerOffsets, CommittedOffset, PartitionOffsets, ReadAt } from '../../core/ports/bus.ts';
import { decode } from '../../schemas/codec.ts';
import { decodeProgress } from '../progress-metadata.ts';
import { frontier, ruleWatermarks, type PartitionView } from './bus-watermark.ts';

/** A backfill job's row; the backfill fills these in (jobs source), the display shows them. */
export interface BackfillJobStatus {
  jobId: string;
  rule: string;
  state: string;
  /** 0–100, null until the job's listing has ended. */
  percent: number | null;
  [more: string]: unknown;
}

export interface RuleStatus {
  rule: string;
  /** Last synchronization time: every change captured before it is applied (ISO, null when unknown). */
  replicatedUntil: string | null;
  replicatedUntilMs: number | null;
  lagSeconds: number | null;
  /** Messages on the changes topic not yet committed by the processors (the topic is shared by every rule). */
  lagMessages: number;
  /** Changes published to the changes topic per second since the previous report (shared by every rule). */
  changesPerSecond: number | null;
}

export interface PartitionStatus {
  partition: number;
  end: string;
  committed: string;
  lagMessages: number;
  /** The first offset no processor has taken, from the progress metadata. */
  takenUpTo: string;
}

export interface StatusReport {
  at: string;
  kafka: { reachable: boolean; error?: string };
  changes: { topic: string; groupId: string; lagMessages: number; changesPerSecond: number | null; partitions: PartitionStatus[] };
  deadLetters: { topic: string; count: number };
  rules: RuleStatus[];
  /** One entry per backfill job (filled in by the backfill's jobs source; empty without one). */
  jobs: BackfillJobStatus[];
}

export interface StatusSource {
  offsets: BrokerOffsets;
  readAt: ReadAt;
  topics: { changes: string; deadLetter: string };
  groupId: string;
  /** The rule ids to report on, asked at each read (a live rule set changes). */
  rules: readonly string[] | (() => readonly string[]);
  jobs?: () => Promise<BackfillJobStatus[]>;
  now?: () => number;
  /**
   * Offsets not read within this time count as unreachable (default 10 s). kafkajs retries a dead broker
   * for about 30 s; meanwhile the report must say Kafka is out of reach, not "reachable" with frozen lag.
   */
  timeoutMs?: number;
}

type Fetched = [PartitionOffsets[], Map<number, CommittedOffset>, PartitionOffsets[], BackfillJobStatus[]];

/** Reads reports; keeps what it read before (frontier capture times, the last end offsets for rates). */
export class StatusReader {
  private readonly captureTimes = new Map<string, number>(); // `partition@offset` → capture time
  private previous: { at: number; published: bigint } | undefined;
  private last: StatusReport | undefined;
  private fetching: Promise<Fetched> | undefined; // one read of the offsets at a time, shared by callers

  constructor(private readonly source: StatusSource) {}

  async read(): Promise<StatusReport> {
    const s = this.source;
    const now = (s.now ?? Date.now)();
    try {
      const [offsets, committed, dead, jobs] = await this.fetchOffsets();
      const views: PartitionView[] = offsets.map((o) => {
        const c = committed.get(o.partition);
        return { partition: o.partition, low: BigInt(o.low), end: BigInt(o.high), committed: BigInt(c?.offset ?? '-1'), progress: decodeProgress(c?.metadata) };
      });
      await this.frontierTimes(views);
      const rules = typeof s.rules === 'function' ? s.rules() : s.rules;
      const watermarks = ruleWatermarks(rules, views, now);
      const lagOf = (v: PartitionView) => Number(v.end - (v.committed < 0n ? v.low : v.committed));
      const lagMessages = views.reduce((n, v) => n + Math.max(0, lagOf(v)), 0);
      const published = views.reduce((n, v) => n + v.end, 0n);
      const rate = this.previous && now > this.previous.at ? Number(published - this.previous.published) / ((now - this.previous.at) / 1000) : null;
      this.previous = { at: now, published };
      const report: StatusReport = {
        at: new Date(now).toISOString(),
        kafka: { reachable: true },
        changes: {
          topic: s.topics.changes, groupId: s.groupId, lagMessages, changesPerSecond: rate,
          partitions: views.map((v) => ({ partition: v.partition, end: v.end.toString(), committed: v.committed.toString(), lagMessages: Math.max(0, lagOf(v)), takenUpTo: frontier(v).toString() })),
        },
        deadLetters: { topic: s.topics.deadLetter, count: dead.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0) },
        rules: rules.map((rule) => {
          const w = watermarks.get(rule);
          return {
            rule, replicatedUntil: w === undefined ? null : new Date(w).toISOString(), replicatedUntilMs: w ?? null,
            lagSeconds: w === undefined ? null : Math.max(0, now - w) / 1000, lagMessages, changesPerSecond: rate,
          };
        }),
        jobs,
      };
      this.last = report;
      return report;
    } catch (err) {
      // Unreachable: the last report's values held (never "caught up" for want of news), marked so.
      // The lag is as of now, when the read gave up (up to timeoutMs after it began).
      const held = this.last;
      const error = (err as Error).message;
      if (!held) throw err;
      const at = (s.now ?? Date.now)();
      return { ...held, at: new Date(at).toISOString(), kafka: { reachable: false, error },
        rules: held.rules.map((r) => ({ ...r, lagSeconds: r.replicatedUntilMs === null ? null : Math.max(0, at - r.replicatedUntilMs) / 1000 })) };
    }
  }

  /** The offsets, or a rejection after `timeoutMs`; a read still running is joined, never doubled. */
  private async fetchOffsets(): Promise<Fetched> {
    const s = this.source;
    const fetching = this.fetching ??= Promise.all([
      s.offsets.topicOffsets(s.topics.changes), s.offsets.committedOffsets(s.groupId, s.topics.changes),
      s.offsets.topicOffsets(s.topics.deadLetter), s.jobs?.() ?? Promise.resolve([]),
    ]).finally(() => {
      if (this.fetching === fetching) this.fetching = undefined;
    });
    const timeoutMs = s.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Kafka in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([fetching, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async frontierTimes(views: PartitionView[]): Promise<void> {
    const want = new Map<number, string>();
    for (const v of views) {
      const f = frontier(v);
      if (f >= v.end) continue;
      const known = this.captureTimes.get(`${v.partition}@${f}`);
      if (known !== undefined) v.frontierCaptureTime = known;
      else want.set(v.partition, f.toString());
    }
    if (want.size === 0) return;
    const read = await this.source.readAt(this.source.topics.changes, want);
    for (const [partition, offset] of want) {
      const msg = read.get(partition);
      if (!msg) continue;
      const time = captureTimeOf(msg.value) ?? msg.timestamp;
      this.captureTimes.set(`${partition}@${offset}`, time);
      views.find((v) => v.partition === partition)!.frontierCaptureTime = time;
    }
    if (this.captureTimes.size > 10_000) this.captureTimes.clear();
  }
}

function captureTimeOf(value: Buffer | null): number | undefined {
  if (value === null) return undefined;
  try {
    return decode('ObjectChange', value).captureTime;
  } catch {
    return undefined; // a malformed trigger: the record's own timestamp stands in
  }
}
