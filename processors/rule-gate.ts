// Per-rule health: a rule is open, or halted for one or more reasons (its buckets' versioning disagrees; later
// also "paused" by an operator). A halted rule's triggers wait at the gate, holding their key: they are
// neither dead-lettered nor retried, and go on by themselves when the last reason clears.

export interface RuleHalt { reason: string; message: string; since: number }

export interface RuleGateHooks {
  /** A reason began (halted true) or ended (false) for a rule: the crr_rule_halted{rule,reason} gauge. */
  onChange?(rule: string, reason: string, halted: boolean, message: string): void;
  now?: () => number;
}

export class RuleGate {
  private readonly halts = new Map<string, Map<string, RuleHalt>>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly hooks: RuleGateHooks = {}) {}

  /** Halts `rule` for `reason` (a no-op when it already is, the message aside). */
  halt(rule: string, reason: string, message: string): void {
    const reasons = this.halts.get(rule) ?? new Map<string, RuleHalt>();
    this.halts.set(rule, reasons);
    const known = reasons.get(reason);
    reasons.set(reason, { reason, message, since: known?.since ?? (this.hooks.now ?? Date.now)() });
    if (!known) this.hooks.onChange?.(rule, reason, true, message);
  }

  /** Clears one reason; the rule's waiting triggers go on once no reason is left. */
  resume(rule: string, reason: string): void {
    const reasons = this.halts.get(rule);
    const known = reasons?.get(reason);
    if (!reasons || !known) return;
    reasons.delete(reason);
    this.hooks.onChange?.(rule, reason, false, known.message);
    if (reasons.size > 0) return;
    this.halts.delete(rule);
    const waiting = this.waiters.get(rule);
    this.waiters.delete(rule);
    for (const wake of waiting ?? []) wake();
  }

  /** Why the rule is halted; empty when it is open. */
  haltsOf(rule: string): RuleHalt[] {
    return [...(this.halts.get(rule)?.values() ?? [])];
  }

  isOpen(rule: string): boolean {
    return !this.halts.has(rule);
  }

  /** Resolves when the rule is open (at once if it is); rejects with the signal's reason on an abort. */
  wait(rule: string, signal?: AbortSignal): Promise<void> {
    if (this.isOpen(rule)) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const set = this.waiters.get(rule) ?? new Set<() => void>();
      this.waiters.set(rule, set);
      const onAbort = () => {
        set.delete(wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
