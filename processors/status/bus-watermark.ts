// The replicated-until watermark per rule, bus-wide, from Kafka alone (DESIGN §7). Per partition of the
// changes topic and per rule: the oldest capture time among the rule's messages taken but not finished
// (the committed progress metadata), and the capture time of the first message no processor has taken;
// with neither, the partition is done up to "now". Per rule: the minimum over the partitions. The value
// says "every change captured before this instant is applied", so it is one millisecond before the
// oldest change still unapplied. It never over-claims: what the metadata does not cover is read from the log.
import type { PartitionProgress } from '../progress-metadata.ts';

export interface PartitionView {
  partition: number;
  /** The earliest offset held and the end offset. */
  low: bigint;
  end: bigint;
  /** The processors' committed offset, -1 where none. */
  committed: bigint;
  /** The metadata committed with it, when a processor of this project wrote it. */
  progress: PartitionProgress | undefined;
  /** The capture time of the first message at or after frontier() (absent when the frontier is the end). */
  frontierCaptureTime?: number;
}

/** The first offset no processor has taken: past it the metadata says nothing. */
export function frontier(p: Pick<PartitionView, 'low' | 'committed' | 'progress'>): bigint {
  const base = p.committed < 0n ? p.low : p.committed;
  const taken = p.progress ? BigInt(p.progress.takenUpTo) : base;
  return taken > base ? taken : base;
}

/**
 * The watermark (ms) of each rule at `now`; undefined for a rule when a partition's frontier message could
 * not be read (its capture time unknown: no claim rather than a wrong one).
 */
export function ruleWatermarks(rules: readonly string[], partitions: readonly PartitionView[], now: number): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const rule of rules) {
    let value: number | undefined = now;
    for (const p of partitions) {
      const v = partitionWatermark(rule, p, now);
      if (v === undefined) {
        value = undefined;
        break;
      }
      value = Math.min(value!, v);
    }
    out.set(rule, value);
  }
  return out;
}

function partitionWatermark(rule: string, p: PartitionView, now: number): number | undefined {
  let oldest = Infinity;
  if (p.progress && p.committed >= 0n) {
    const pending = p.progress.oldestPending[rule] ?? p.progress.oldestPendingAnyRule;
    if (pending !== undefined) oldest = Math.min(oldest, pending);
  }
  if (frontier(p) < p.end) {
    if (p.frontierCaptureTime === undefined) return undefined;
    oldest = Math.min(oldest, p.frontierCaptureTime);
  }
  return oldest === Infinity ? now : Math.min(now, oldest - 1);
}
