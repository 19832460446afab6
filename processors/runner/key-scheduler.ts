// Key-ordered scheduling: per partition a queue per key, at most one running message per key, offset
// order within a key, a global cap on running keys, optionally a cap per share (tenant) of it, redeliveries
// suppressed, and the low watermark.
import { OffsetTracker } from './offset-tracker.ts';

export interface Work<T> {
  partition: string;
  key: string;
  offset: bigint;
  item: T;
  /** Whose slots this work uses (see SchedulerShares); '' when shares are off. */
  share: string;
  /** The ownership epoch of the partition when this work was queued; a revoke starts a new one. */
  epoch: number;
}

export type AddOutcome = 'queued' | 'duplicate' | 'not-owned';

interface PartitionState<T> {
  epoch: number;
  tracker: OffsetTracker;
  /** key → its queued work, in offset order; a key leaves the map when its queue empties. */
  queues: Map<string, Work<T>[]>;
  queued: number;
}

interface ReadyEntry {
  partition: string;
  key: string;
  epoch: number;
}

const busyId = (partition: string, key: string) => `${partition}\u0000${key}`;

/**
 * Fair shares of the budget: work of one share (a rule) runs in at most `max` slots, so a rule whose every
 * request hangs (a destination timing out) leaves the rest of the budget to the others. Every message of a
 * key must be of the same share.
 */
export interface SchedulerShares<T> {
  of(item: T): string;
  max: number;
}

export class KeyScheduler<T> {
  private readonly partitionsById = new Map<string, PartitionState<T>>();
  /** Keys with a running message. Outlives a revoke, so a regained partition cannot overlap a straggler. */
  private readonly busy = new Set<string>();
  private ready: ReadyEntry[] = [];
  private readyHead = 0;
  private nextEpoch = 1;
  private running = 0;
  private queuedTotal = 0;
  private readonly runningByShare = new Map<string, number>();
  /** Ready keys of a share at its cap, in the order they became ready; they go back to `ready` as its work ends. */
  private readonly deferred = new Map<string, ReadyEntry[]>();

  constructor(private readonly concurrency: number, private readonly shares?: SchedulerShares<T>) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    if (shares && (!Number.isInteger(shares.max) || shares.max < 1)) throw new RangeError(`a share's slots must be a positive integer, got ${shares.max}`);
  }

  /** Starts owning a partition (no-op when already owned). */
  assign(partition: string): void {
    if (this.partitionsById.has(partition)) return;
    this.partitionsById.set(partition, { epoch: this.nextEpoch++, tracker: new OffsetTracker(), queues: new Map(), queued: 0 });
  }

  /** Forgets a partition: its queued work is dropped (it will be redelivered to the new owner). Returns how many were dropped. */
  revoke(partition: string): number {
    const state = this.partitionsById.get(partition);
    if (!state) return 0;
    this.partitionsById.delete(partition);
    this.queuedTotal -= state.queued;
    return state.queued;
  }

  owns(partition: string): boolean {
    return this.partitionsById.has(partition);
  }

  owned(): string[] {
    return [...this.partitionsById.keys()];
  }

  /** Queues a message unless this partition epoch already saw its offset (queued, running or done). */
  add(partition: string, offset: bigint, key: string, item: T): AddOutcome {
    const state = this.partitionsById.get(partition);
    if (!state) return 'not-owned';
    const highest = state.tracker.highest;
    if (highest !== undefined && offset <= highest) return 'duplicate';
    state.tracker.start(offset);
    const work: Work<T> = { partition, key, offset, item, share: this.shares?.of(item) ?? '', epoch: state.epoch };
    const queue = state.queues.get(key);
    if (queue) {
      queue.push(work);
    } else {
      state.queues.set(key, [work]);
      if (!this.busy.has(busyId(partition, key))) this.ready.push({ partition, key, epoch: state.epoch });
    }
    state.queued++;
    this.queuedTotal++;
    return 'queued';
  }

  /** Records that the fetch has passed `nextOffset - 1` for this partition (see OffsetTracker.advance). */
  advance(partition: string, nextOffset: bigint): void {
    this.partitionsById.get(partition)?.tracker.advance(nextOffset);
  }

  /** The next work to run, or undefined when the cap is reached or no key is ready. Marks its key running. */
  next(): Work<T> | undefined {
    if (this.running >= this.concurrency) return undefined;
    while (this.readyHead < this.ready.length) {
      const entry = this.ready[this.readyHead++]!;
      const state = this.partitionsById.get(entry.partition);
      if (!state || state.epoch !== entry.epoch) continue;
      const queue = state.queues.get(entry.key);
      const id = busyId(entry.partition, entry.key);
      if (!queue || this.busy.has(id)) continue;
      const share = queue[0]!.share;
      if (this.shares && (this.runningByShare.get(share) ?? 0) >= this.shares.max) {
        const list = this.deferred.get(share) ?? [];
        list.push(entry);
        this.deferred.set(share, list);
        continue;
      }
      const work = queue.shift()!;
      if (queue.length === 0) state.queues.delete(entry.key);
      state.queued--;
      this.queuedTotal--;
      this.busy.add(id);
      this.running++;
      this.runningByShare.set(share, (this.runningByShare.get(share) ?? 0) + 1);
      this.compactReady();
      return work;
    }
    this.compactReady();
    return undefined;
  }

  /** Work completed: counts toward the watermark (if its epoch still owns the partition) and frees its key. */
  finish(work: Work<T>): void {
    const state = this.partitionsById.get(work.partition);
    if (state && state.epoch === work.epoch) state.tracker.finish(work.offset);
    this.release(work);
  }

  /** Work given up without completing (aborted): frees its key but never counts toward the watermark. */
  abandon(work: Work<T>): void {
    this.release(work);
  }

  /**
   * Work failed: it stays unfinished, so the watermark never passes it, and its key stays blocked so
   * later messages of the key do not overtake it. Only the running count is released.
   */
  fail(work: Work<T>): void {
    this.running--;
    this.endShare(work.share);
  }

  watermark(partition: string): bigint | undefined {
    return this.partitionsById.get(partition)?.tracker.watermark();
  }

  /** Messages of this partition taken but not finished (queued or running in the current epoch). */
  buffered(partition: string): number {
    return this.partitionsById.get(partition)?.tracker.pending ?? 0;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queuedTotal;
  }

  private release(work: Work<T>): void {
    const id = busyId(work.partition, work.key);
    if (!this.busy.delete(id)) throw new RangeError(`key of ${work.partition}@${work.offset} was not running`);
    this.running--;
    this.endShare(work.share);
    const state = this.partitionsById.get(work.partition);
    if (state?.queues.has(work.key)) this.ready.push({ partition: work.partition, key: work.key, epoch: state.epoch });
  }

  /** A slot of `share` is free: its deferred keys are ready again (stale entries are skipped by next()). */
  private endShare(share: string): void {
    const n = (this.runningByShare.get(share) ?? 1) - 1;
    if (n > 0) this.runningByShare.set(share, n);
    else this.runningByShare.delete(share);
    const waiting = this.deferred.get(share);
    if (!waiting) return;
    this.deferred.delete(share);
    this.ready.push(...waiting);
  }

  private compactReady(): void {
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }
}
