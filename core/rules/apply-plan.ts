// What `crr rules apply -f FILE` would do, decided without I/O: the file's rules (each checked by the config's
// rule schema) merged over the topic's, the whole resulting set checked with every constraint, and the diff.
// A rule on the topic that the file does not name is kept: on a shared bus one team's file must not delete
// another team's rules; `crr rules delete R` deletes.
import { ruleSetProblems } from '../config/rule-set-problems.ts';
import { ruleSchema, type EndpointConfig, type RuleConfig } from '../config/schema.ts';
import { CrrError } from '../errors.ts';
import { sameRule, type RuleEntry } from './rule-record.ts';

export interface ApplyPlan {
  added: RuleConfig[];
  changed: RuleConfig[];
  unchanged: string[];
  /** On the topic, not in the file: left as they are. */
  kept: string[];
}

function fieldPath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

function invalid(file: string, problems: string[]): never {
  throw new CrrError(`invalid rules in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { code: 'INVALID_CONFIG', stage: 'config', context: { problems } });
}

/** The file's rules (its `rules:` list; other sections, as in a config file, are ignored). */
export function parseRulesFile(raw: unknown, file: string): RuleConfig[] {
  const list = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { rules?: unknown }).rules : undefined;
  if (!Array.isArray(list) || list.length === 0) invalid(file, ['rules: a list of at least one rule is required']);
  const problems: string[] = [];
  const rules: RuleConfig[] = [];
  list.forEach((item, i) => {
    const parsed = ruleSchema.safeParse(item);
    const id = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string' ? ` (rule "${(item as { id: string }).id}")` : '';
    if (parsed.success) rules.push(parsed.data);
    else for (const issue of parsed.error.issues) problems.push(`rules[${i}]${id}${issue.path.length ? `.${fieldPath(issue.path)}` : ''}: ${issue.message}`);
  });
  if (problems.length) invalid(file, problems);
  return rules;
}

/**
 * The plan, or a CrrError INVALID_CONFIG naming every rule and field at fault in the set the topic would hold
 * (`rules[i]` is the file's i-th rule; a rule only on the topic is named as such).
 */
export function planApply(fileRules: readonly RuleConfig[], topic: ReadonlyMap<string, RuleEntry>, endpoints: Readonly<Record<string, EndpointConfig>>, file: string): ApplyPlan {
  const inFile = new Set(fileRules.map((r) => r.id));
  const kept = [...topic.values()].filter((e) => !inFile.has(e.rule.id)).map((e) => e.rule);
  const resulting = [...fileRules, ...kept];
  const at = (i: number) => (i < fileRules.length ? `rules[${i}] (rule "${resulting[i]!.id}")` : `rule "${resulting[i]!.id}" (on the rules topic)`);
  const problems = ruleSetProblems(resulting, endpoints, at);
  if (problems.length) invalid(file, problems);
  const plan: ApplyPlan = { added: [], changed: [], unchanged: [], kept: kept.map((r) => r.id) };
  for (const r of fileRules) {
    const held = topic.get(r.id);
    if (!held) plan.added.push(r);
    else if (!sameRule(held.rule, r)) plan.changed.push(r);
    else plan.unchanged.push(r.id);
  }
  return plan;
}
