// Exact completion counting: workers write a BackfillTaskDone at least once per task (a worker killed after
// writing it but before its offset commit repeats the task and writes another). The owner counts each
// (job, seq) once, with one bit per seq, so repeats never count twice and nothing acknowledged is lost.
// The one exception, still one count per seq: a dead-lettered task replayed later and done is recounted as done.
import type { BackfillTaskDone } from '../../schemas/types.ts';

export class SeqSet {
  private bits = new Uint8Array(1024);

  /** Adds seq; true when it was not there before. */
  add(seq: number): boolean {
    const byte = seq >> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    if (this.bits[byte]! & mask) return false;
    this.bits[byte]! |= mask;
    return true;
  }
}

export interface DoneCounts { copied: number; deleted: number; updated: number; skipped: number; deadLettered: number; bytesCopied: number }

export const zeroCounts = (): DoneCounts => ({ copied: 0, deleted: 0, updated: 0, skipped: 0, deadLettered: 0, bytesCopied: 0 });

const FIELD = { COPIED: 'copied', DELETED: 'deleted', UPDATED: 'updated', SKIPPED: 'skipped', DEAD_LETTERED: 'deadLettered' } as const;

export class DoneCounter {
  private readonly seen = new Map<string, SeqSet>();
  private readonly counts = new Map<string, DoneCounts>();
  /** Per job, the seqs counted as dead-lettered (few): a replayed letter's later result replaces that count. */
  private readonly dead = new Map<string, Set<number>>();

  /**
   * Counts the record unless its seq was counted already; true when it counted. A seq counted as dead-lettered
   * and then done otherwise (its letter replayed by `crr dlq replay`) moves from deadLettered to that result:
   * still one count per seq, so done = published holds, and deadLettered is the letters not yet mended.
   */
  add(d: BackfillTaskDone): boolean {
    let set = this.seen.get(d.jobId);
    if (!set) this.seen.set(d.jobId, (set = new SeqSet()));
    const c = this.countsOf(d.jobId);
    if (!set.add(d.seq)) {
      const dead = this.dead.get(d.jobId);
      if (d.result === 'DEAD_LETTERED' || !dead?.delete(d.seq)) return false;
      c.deadLettered--;
    } else if (d.result === 'DEAD_LETTERED') {
      let dead = this.dead.get(d.jobId);
      if (!dead) this.dead.set(d.jobId, (dead = new Set()));
      dead.add(d.seq);
    }
    c[FIELD[d.result]]++;
    c.bytesCopied += d.bytes;
    return true;
  }

  /** Whether any record of the job was counted. */
  has(jobId: string): boolean {
    return this.seen.has(jobId);
  }

  countsOf(jobId: string): DoneCounts {
    let c = this.counts.get(jobId);
    if (!c) this.counts.set(jobId, (c = zeroCounts()));
    return c;
  }
}
