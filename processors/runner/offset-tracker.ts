// The low watermark of one partition's finished work: the next offset safe to commit is the lowest
// offset still unfinished, so a crash after committing it loses nothing and only repeats later work.

/**
 * Offsets must start in increasing order (a partition is fetched sequentially; redeliveries are
 * filtered before they reach the tracker), which keeps every operation amortised O(1).
 */
export class OffsetTracker {
  /** Started offsets in start order, from `head` on; finished ones are dropped from the front lazily. */
  private readonly started: bigint[] = [];
  private head = 0;
  private readonly unfinished = new Set<bigint>();
  private highestStarted: bigint | undefined;
  private fetchedTo: bigint | undefined;

  /** The highest offset ever started, or undefined before the first. */
  get highest(): bigint | undefined {
    return this.highestStarted;
  }

  /** How many started offsets are not finished yet. */
  get pending(): number {
    return this.unfinished.size;
  }

  start(offset: bigint): void {
    if (this.highestStarted !== undefined && offset <= this.highestStarted) {
      throw new RangeError(`offset ${offset} started after ${this.highestStarted}: offsets must start in increasing order`);
    }
    this.highestStarted = offset;
    this.started.push(offset);
    this.unfinished.add(offset);
  }

  finish(offset: bigint): void {
    if (!this.unfinished.delete(offset)) throw new RangeError(`offset ${offset} finished but it is not pending`);
    this.dropFinishedHead();
  }

  isPending(offset: bigint): boolean {
    return this.unfinished.has(offset);
  }

  /**
   * Records that the fetch moved past `nextOffset - 1` even where no message was started (control
   * records of transactions, compacted gaps), so the watermark can move past them when idle.
   */
  advance(nextOffset: bigint): void {
    if (this.fetchedTo === undefined || nextOffset > this.fetchedTo) this.fetchedTo = nextOffset;
  }

  /** The next offset to commit, or undefined when nothing was started or fetched yet. */
  watermark(): bigint | undefined {
    if (this.head < this.started.length) return this.started[this.head];
    const afterStarted = this.highestStarted === undefined ? undefined : this.highestStarted + 1n;
    if (afterStarted === undefined) return this.fetchedTo;
    if (this.fetchedTo === undefined) return afterStarted;
    return afterStarted > this.fetchedTo ? afterStarted : this.fetchedTo;
  }

  private dropFinishedHead(): void {
    while (this.head < this.started.length && !this.unfinished.has(this.started[this.head]!)) this.head++;
    // Compact once the dead prefix dominates, so memory follows the pending window, not history.
    if (this.head > 1024 && this.head * 2 > this.started.length) {
      this.started.splice(0, this.head);
      this.head = 0;
    }
  }
}
