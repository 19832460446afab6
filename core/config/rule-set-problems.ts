// Every problem of a whole rule set against the endpoints it names: duplicate ids, unknown endpoints, OSS's
// constraints (rule-constraints.ts) and transfer acceleration across the mainland border. The config loader
// checks the YAML's rules with it; `crr rules apply` checks the set the topic would hold after the apply.
import { accelerationProblems } from './acceleration.ts';
import { ruleProblems } from './rule-constraints.ts';
import type { EndpointConfig, RuleConfig } from './schema.ts';

/** `at(i)` names rule i in the messages: `rules[i]` in a config file. */
export function ruleSetProblems(rules: readonly RuleConfig[], endpoints: Readonly<Record<string, EndpointConfig>>,
  at: (i: number) => string = (i) => `rules[${i}]`): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  rules.forEach((rule, i) => {
    if (ids.has(rule.id)) problems.push(`${at(i)}.id: duplicate rule id "${rule.id}"`);
    ids.add(rule.id);
    for (const side of ['source', 'destination'] as const) {
      if (!endpoints[rule[side].endpoint]) problems.push(`${at(i)}.${side}.endpoint: no endpoint named "${rule[side].endpoint}"`);
    }
  });
  problems.push(...ruleProblems(rules, endpoints).map((p) => `${at(p.index)}.${p.field}: ${p.message}`));
  problems.push(...accelerationProblems({ rules: [...rules], endpoints }, at));
  return problems;
}
