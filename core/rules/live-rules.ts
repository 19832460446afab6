// The rule set a process works with, live: capture and processing read it and hear of every change. Follows
// the rules topic (rules-view.ts) or, for a process without one (unit tests, one-shot commands), holds the
// config's rules as they are.
import type { RuleConfig } from '../config/schema.ts';
import type { RuleEntry } from './rule-record.ts';

/** One rule changed: added (no before), changed, paused or resumed (both), or deleted (no after). */
export interface RuleChange {
  id: string;
  before?: RuleEntry;
  after?: RuleEntry;
}

export interface LiveRules {
  /** Every rule known now, paused ones included, by id. */
  entries(): ReadonlyMap<string, RuleEntry>;
  /** Called after each change; returns an unsubscribe function. */
  onChange(listener: (change: RuleChange) => void): () => void;
}

export function rulesOf(live: LiveRules): RuleConfig[] {
  return [...live.entries().values()].map((e) => e.rule);
}

/**
 * The rule set a process uses that reads the topic without seeding it (crr verify, crr status): the topic's
 * rules, and the file's rules whose ids the topic never held (those a seeding process would write). The topic
 * wins for an id it holds, a tombstone included.
 */
export function withFileRules(topic: { entries(): ReadonlyMap<string, RuleEntry>; seen(): ReadonlySet<string> }, file: readonly RuleConfig[]): RuleConfig[] {
  const seen = topic.seen();
  return [...[...topic.entries().values()].map((e) => e.rule), ...file.filter((r) => !seen.has(r.id))];
}

/** A rule set that never changes: the config's rules, all active. */
export function staticRules(rules: readonly RuleConfig[]): LiveRules {
  const entries = new Map(rules.map((rule) => [rule.id, { rule, state: 'ACTIVE' as const, updatedAt: 0 }]));
  return { entries: () => entries, onChange: () => () => {} };
}

/**
 * The latest record per rule id, as a compacted topic means it, and the ids ever seen (tombstones too, while
 * the topic keeps them): the YAML seeds only ids the topic never had.
 */
export class RuleSetState implements LiveRules {
  private readonly map = new Map<string, RuleEntry>();
  private readonly listeners: ((change: RuleChange) => void)[] = [];
  readonly seen = new Set<string>();

  entries(): ReadonlyMap<string, RuleEntry> {
    return this.map;
  }

  onChange(listener: (change: RuleChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Applies one record (undefined: a tombstone); tells the listeners when something changed. */
  apply(id: string, entry: RuleEntry | undefined): RuleChange | undefined {
    this.seen.add(id);
    const before = this.map.get(id);
    if (!entry && !before) return undefined;
    if (entry) this.map.set(id, entry);
    else this.map.delete(id);
    const change = { id, before, after: entry };
    for (const l of [...this.listeners]) l(change);
    return change;
  }
}
