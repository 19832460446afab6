// The replicated-until watermark per rule (DESIGN §7): every change captured before this time is
// applied. Tracks the capture times of triggers taken but not finished; when none is pending and the
// partitions are caught up, the watermark is "now". Each process reports its own partitions; the
// bus-wide value is the minimum over processes (min by (rule) in PromQL).

export class ReplicatedUntil {
  private readonly pending = new Map<string, Map<string, number>>(); // rule -> trigger id -> capture time
  private readonly last = new Map<string, number>();

  started(rule: string, triggerId: string, captureTime: number): void {
    let m = this.pending.get(rule);
    if (!m) this.pending.set(rule, (m = new Map()));
    m.set(triggerId, captureTime);
  }

  finished(rule: string, triggerId: string): void {
    this.pending.get(rule)?.delete(triggerId);
  }

  /**
   * The watermark of `rule` at `now`. `caughtUp` says whether every owned partition has been read to
   * its end; when it has not, unread changes may be older than anything pending, so the value holds.
   */
  value(rule: string, now: number, caughtUp: boolean): number | undefined {
    const m = this.pending.get(rule);
    let oldest = Infinity;
    if (m) for (const t of m.values()) oldest = Math.min(oldest, t);
    const previous = this.last.get(rule);
    let next: number | undefined;
    if (oldest !== Infinity) next = oldest - 1;
    else if (caughtUp) next = now;
    else next = previous;
    if (next !== undefined && previous !== undefined && next < previous) next = previous; // never moves back
    if (next !== undefined) this.last.set(rule, next);
    return next;
  }

  rules(): string[] {
    return [...new Set([...this.pending.keys(), ...this.last.keys()])];
  }
}
