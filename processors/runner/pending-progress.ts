// Per owned partition, the messages taken but not finished with what each means for progress (its rules
// and capture time), so each commit can carry the partition's progress metadata (progress-metadata.ts).
import { encodeProgress } from '../progress-metadata.ts';

/**
 * What one message holds back: the rules it is for and when it was captured. The handler deletes a rule
 * from `rules` once that rule's part is done, so a rule stalled on one destination never holds another
 * rule that shares the message.
 */
export interface MessageProgress {
  rules: Set<string>;
  captureTime: number;
}

interface PartitionState {
  /** offset → the message (by identity: a straggler of an earlier ownership never clears a redelivery) and its progress. */
  pending: Map<bigint, { item: object; progress: MessageProgress }>;
  takenUpTo: bigint | undefined;
}

export class PendingProgress {
  private readonly partitions = new Map<string, PartitionState>();

  private state(id: string): PartitionState {
    let s = this.partitions.get(id);
    if (!s) this.partitions.set(id, (s = { pending: new Map(), takenUpTo: undefined }));
    return s;
  }

  /** A message newly taken (not a redelivery of one already seen). */
  taken(id: string, offset: bigint, item: object, progress: MessageProgress | undefined): void {
    if (progress && progress.rules.size) this.state(id).pending.set(offset, { item, progress });
  }

  /** Fetching of the partition has moved to `nextOffset`. */
  advanced(id: string, nextOffset: bigint): void {
    const s = this.state(id);
    if (s.takenUpTo === undefined || nextOffset > s.takenUpTo) s.takenUpTo = nextOffset;
  }

  finished(id: string, offset: bigint, item: object): void {
    const pending = this.partitions.get(id)?.pending;
    if (pending?.get(offset)?.item === item) pending.delete(offset);
  }

  /** A revoked partition: the next owner takes it afresh. */
  forget(id: string): void {
    this.partitions.delete(id);
  }

  /** The commit metadata for committing `committed` on this partition; undefined before anything was taken. */
  metadata(id: string, committed: bigint): string | undefined {
    const s = this.partitions.get(id);
    if (!s || s.takenUpTo === undefined) return undefined;
    const oldest: Record<string, number> = {};
    for (const [offset, { progress: p }] of s.pending) {
      if (offset < committed) continue;
      for (const rule of p.rules) if (!(rule in oldest) || p.captureTime < oldest[rule]!) oldest[rule] = p.captureTime;
    }
    const takenUpTo = s.takenUpTo > committed ? s.takenUpTo : committed;
    return encodeProgress({ takenUpTo: takenUpTo.toString(), oldestPending: oldest });
  }
}
