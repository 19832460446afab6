// How a processor follows its live rule set: a rule added or changed gets a fresh reconcile context (its
// stores are built on first use by the store factory) and a versioning check; a paused rule is halted at the
// rule gate (reason "paused": its triggers wait, holding their keys, neither dead-lettered nor committed past)
// and a resumed one opens again; a deleted rule leaves the processor's rules, and its waiting triggers end.
import type { RuleConfig } from '../core/config/schema.ts';
import type { Logger } from '../core/logging.ts';
import type { LiveRules } from '../core/rules/live-rules.ts';
import type { RuleEntry } from '../core/rules/rule-record.ts';
import type { Processor } from './processor.ts';
import type { RuleContexts } from './rule-context.ts';
import type { RuleGate } from './rule-gate.ts';
import { VERSIONING_REASON, type VersioningCheck } from './versioning-check.ts';

export const PAUSED_REASON = 'paused';

function gateState(gate: RuleGate, id: string, entry: RuleEntry | undefined): void {
  if (entry?.state === 'PAUSED') gate.halt(id, PAUSED_REASON, `rule ${id} is paused by an operator (crr rules resume ${id} resumes it)`);
  else gate.resume(id, PAUSED_REASON);
}

/** Applies the set as it is now, then every change; returns the unsubscribe function. */
export function followRules(o: { live: LiveRules; ruleMap: Map<string, RuleConfig>; contexts: RuleContexts; processor: Processor; gate: RuleGate;
  versioning: VersioningCheck; logger: Logger }): () => void {
  for (const [id, entry] of o.live.entries()) gateState(o.gate, id, entry);
  return o.live.onChange(({ id, before, after }) => {
    if (after) o.ruleMap.set(id, after.rule);
    else o.ruleMap.delete(id);
    o.contexts.invalidate(id);
    // Before the gate opens: a deleted rule's woken triggers must find it gone.
    o.processor.setRules([...o.ruleMap.values()]);
    gateState(o.gate, id, after);
    if (!after) o.gate.resume(id, VERSIONING_REASON);
    if (after && (!before || before.rule !== after.rule)) void o.versioning.checkNow();
    o.logger.info({ rule: id, state: after?.state ?? 'DELETED' }, 'processing follows the rule change');
  });
}
