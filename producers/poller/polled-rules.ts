// Which rules the listing poller polls: `capture.poller.rules` holds rule ids and patterns, where `*` stands for
// any run of characters (`"*"`: every rule; `"tenant-a-*"`: that tenant's). Patterns are matched against the
// live rule set, so a rule applied on the rules topic whose id a pattern matches is polled without a restart.
import type { RuleConfig } from '../../core/config/schema.ts';

export function isPattern(entry: string): boolean {
  return entry.includes('*');
}

function matcher(entry: string): (id: string) => boolean {
  if (!isPattern(entry)) return (id) => id === entry;
  // Rule ids are letters, digits, dot, dash and underscore: only the dot needs escaping.
  const re = new RegExp(`^${entry.split('*').map((part) => part.replace(/\./g, '\\.')).join('.*')}$`);
  return (id) => re.test(id);
}

/** The rules among `rules` that `entries` (capture.poller.rules) select. */
export function polledRules(entries: readonly string[], rules: readonly RuleConfig[]): RuleConfig[] {
  const matches = entries.map(matcher);
  return rules.filter((r) => matches.some((m) => m(r.id)));
}
