// The live versioning check (issue 12): at start and every interval, each rule asks both buckets whether they
// are versioned. A disagreement (or a versioned two-way pair) halts that rule alone at the rule gate; when the
// buckets agree again it resumes by itself, with its reconcile context rebuilt for the new state.
import { versioningProblem } from '../core/config/rule-constraints.ts';
import type { RuleConfig } from '../core/config/schema.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/logging.ts';
import type { RuleGate } from './rule-gate.ts';

export const VERSIONING_REASON = 'versioning';

export interface VersioningProbe {
  /** Whether each bucket of the rule is versioned, as OSS says now. */
  probe(ruleId: string): Promise<{ source: boolean; destination: boolean }>;
  /** The rule's cached reconcile context no longer holds (its buckets' versioning changed). */
  invalidate(ruleId: string): void;
}

export interface VersioningCheck {
  /** One round over every rule (the timer runs them too); resolves when all answered or failed. */
  checkNow(): Promise<void>;
  stop(): void;
}

/** `rules` is read at each round when it is a function (the live rule set). */
export function startVersioningCheck(o: { rules: RuleConfig[] | (() => readonly RuleConfig[]); probe: VersioningProbe; gate: RuleGate; intervalMs: number; logger: Logger }): VersioningCheck {
  const rulesNow = () => (typeof o.rules === 'function' ? o.rules() : o.rules);
  const last = new Map<string, string>();
  const checkRule = async (rule: RuleConfig) => {
    let state: { source: boolean; destination: boolean };
    try {
      state = await o.probe.probe(rule.id);
    } catch (err) {
      // Unknown is not a mismatch: the rule keeps its state until OSS answers.
      o.logger.warn({ rule: rule.id, err: describeError(err) }, 'versioning check failed; the rule keeps its state');
      return;
    }
    const seen = `${state.source}/${state.destination}`;
    if (last.has(rule.id) && last.get(rule.id) !== seen) o.probe.invalidate(rule.id);
    last.set(rule.id, seen);
    const problem = versioningProblem(rule, state.source, state.destination);
    if (problem) {
      if (o.gate.isOpen(rule.id) || !o.gate.haltsOf(rule.id).some((h) => h.reason === VERSIONING_REASON)) {
        o.logger.error({ rule: rule.id, reason: problem.reason, source: state.source, destination: state.destination },
          `${problem.message}: the rule is halted; its triggers wait until the buckets agree`);
      }
      o.gate.halt(rule.id, VERSIONING_REASON, problem.message);
    } else if (o.gate.haltsOf(rule.id).some((h) => h.reason === VERSIONING_REASON)) {
      o.probe.invalidate(rule.id);
      o.gate.resume(rule.id, VERSIONING_REASON);
      o.logger.warn({ rule: rule.id, source: state.source, destination: state.destination }, `rule ${rule.id}: the buckets' versioning agrees again; the rule resumes`);
    }
  };
  let running: Promise<void> | undefined;
  const checkNow = () => (running ??= Promise.all(rulesNow().map(checkRule)).then(() => { running = undefined; }));
  void checkNow();
  const timer = setInterval(() => void checkNow(), o.intervalMs);
  timer.unref();
  return { checkNow, stop: () => clearInterval(timer) };
}
