// Which rules a change in a source bucket falls under: same source bucket, and the key under one of
// the rule's prefixes (no prefixes = the whole bucket). Capture matches events with it, processors triggers.

export interface RuleScope { id: string; source: { bucket: string }; prefixes: string[] }

export function ruleCovers(rule: RuleScope, bucket: string, key: string): boolean {
  if (rule.source.bucket !== bucket) return false;
  return rule.prefixes.length === 0 || rule.prefixes.some((p) => key.startsWith(p));
}

export class RuleIndex<R extends RuleScope> {
  private byBucket = new Map<string, R[]>();

  constructor(rules: readonly R[]) {
    this.replace(rules);
  }

  /** The rules from now on (the live rule set changed). */
  replace(rules: readonly R[]): void {
    const byBucket = new Map<string, R[]>();
    for (const rule of rules) {
      const list = byBucket.get(rule.source.bucket) ?? [];
      list.push(rule);
      byBucket.set(rule.source.bucket, list);
    }
    this.byBucket = byBucket;
  }

  /** True when some rule replicates from this bucket (whatever the key). */
  knowsBucket(bucket: string): boolean {
    return this.byBucket.has(bucket);
  }

  match(bucket: string, key: string): R[] {
    return (this.byBucket.get(bucket) ?? []).filter((r) => ruleCovers(r, bucket, key));
  }
}
