// The hand-over grace: a newly owned partition's batches are held, in order, for a while before its work
// starts. kafkajs 2.2.4 tells the previous owner of a rebalance only when the new assignment is out, so its
// in-flight handlers may still be writing; waiting keeps the two from handling one key at the same time.
import type { InboundBatch } from '../../core/ports/bus.ts';

export class HandoverFence {
  private readonly held = new Map<string, InboundBatch[]>();

  /** `release` gets each held batch when its partition's grace ends (never after a revoke of it). */
  constructor(private readonly graceMs: number, private readonly release: (batch: InboundBatch) => void) {}

  /** Starts the grace of a partition just assigned (nothing to hold when the grace is 0). */
  fence(id: string): void {
    if (this.graceMs <= 0) return;
    const batches: InboundBatch[] = [];
    this.held.set(id, batches);
    setTimeout(() => {
      if (this.held.get(id) !== batches) return; // revoked (and maybe fenced anew) since
      this.held.delete(id);
      for (const b of batches) this.release(b);
    }, this.graceMs).unref();
  }

  /** Keeps the batch if its partition is in its grace; false means: handle it now. */
  hold(id: string, batch: InboundBatch): boolean {
    const batches = this.held.get(id);
    if (!batches) return false;
    batches.push(batch);
    return true;
  }

  /** A revoked partition's held batches are dropped: the new owner fetches them again. */
  drop(id: string): void {
    this.held.delete(id);
  }
}
