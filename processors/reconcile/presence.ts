// Whether a rule's destination usually lacks the keys it is asked to reconcile (new objects), learned from
// what each reconcile finds. While it does, a copy skips the destination HEAD and PUTs with
// x-oss-forbid-overwrite instead: OSS refuses that PUT when the key exists, and the key is then reconciled
// the usual way. So the shortcut never changes an outcome, only what it costs:
//   new key:      GET + ACL + PUT                      (the usual way: GET + ACL + HEAD + PUT)
//   existing key: GET + ACL + refused PUT, then the usual way
// A HEAD saved is about 0.6 ms of CPU, a refused PUT with its reads about 1.5 ms (bench/pipeline-throughput.ts):
// it pays while more than 7 keys in 10 are new. So it turns on above ABSENT_TO_START and off below
// ABSENT_TO_STOP (hysteresis), and it starts off: a processor does nothing optimistic until it has seen.

/** Weight of each new observation in the moving average (about the last 20 reconciles count). */
const ALPHA = 0.05;
const ABSENT_TO_START = 0.85;
const ABSENT_TO_STOP = 0.7;

export class DestinationPresence {
  private absentRate = 0;
  private on = false;

  /** What one reconcile found: the key existed on the destination or not. */
  record(existed: boolean): void {
    this.absentRate += ALPHA * ((existed ? 0 : 1) - this.absentRate);
    if (!this.on && this.absentRate >= ABSENT_TO_START) this.on = true;
    else if (this.on && this.absentRate < ABSENT_TO_STOP) this.on = false;
  }

  /** Whether to try the create-only PUT first. */
  expectAbsent(): boolean {
    return this.on;
  }

  /** The moving share of reconciles that found the destination key absent (0..1). */
  get rate(): number {
    return this.absentRate;
  }
}
