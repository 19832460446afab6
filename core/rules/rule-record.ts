// A rule as it travels on the rules topic (the Avro record io.crr.Rule) and back: the config's rule with a
// state beside it. Reading a record goes through the config's own rule schema, so a rule from the topic is
// held to the same field checks as one from the YAML file.
import { CrrError } from '../errors.ts';
import { ruleSchema, type RuleConfig } from '../config/schema.ts';
import type { Rule, RuleState } from '../../schemas/types.ts';

/** A rule of the live set: the rule and whether an operator paused it. */
export interface RuleEntry {
  rule: RuleConfig;
  state: RuleState;
  updatedAt: number;
}

export function ruleRecord(rule: RuleConfig, state: RuleState, now: number): Rule {
  const enc = rule.destination.encryption;
  return {
    id: rule.id, state,
    sourceEndpoint: rule.source.endpoint, sourceBucket: rule.source.bucket,
    destinationEndpoint: rule.destination.endpoint, destinationBucket: rule.destination.bucket,
    storageClass: rule.destination.storageClass ?? null,
    encryption: enc?.type ?? null,
    kmsKeyId: enc?.type === 'KMS' ? enc.keyId ?? null : null,
    maxBytesPerSecond: rule.destination.maxBytesPerSecond ?? null,
    prefixes: [...rule.prefixes], action: rule.action, twoWay: rule.twoWay, historical: rule.historical, sameRegion: rule.sameRegion,
    updatedAt: now,
  };
}

/** The record back as a rule; a record the rule schema refuses is a CrrError INVALID_RULE naming the fields. */
export function entryFromRecord(r: Rule): RuleEntry {
  const encryption = r.encryption === null ? undefined : r.encryption === 'KMS' ? { type: 'KMS', ...(r.kmsKeyId ? { keyId: r.kmsKeyId } : {}) } : { type: r.encryption };
  const parsed = ruleSchema.safeParse({
    id: r.id,
    source: { endpoint: r.sourceEndpoint, bucket: r.sourceBucket },
    destination: {
      endpoint: r.destinationEndpoint, bucket: r.destinationBucket,
      ...(r.storageClass !== null ? { storageClass: r.storageClass } : {}),
      ...(encryption ? { encryption } : {}),
      ...(r.maxBytesPerSecond !== null ? { maxBytesPerSecond: r.maxBytesPerSecond } : {}),
    },
    prefixes: r.prefixes, action: r.action, twoWay: r.twoWay, historical: r.historical, sameRegion: r.sameRegion,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CrrError(`rule record "${r.id}" is invalid: ${problems.join('; ')}`, { code: 'INVALID_RULE', stage: 'config', context: { rule: r.id, problems } });
  }
  return { rule: parsed.data, state: r.state, updatedAt: r.updatedAt };
}

/** Whether two rules mean the same (the state aside): the diff of `crr rules apply`. */
export function sameRule(a: RuleConfig, b: RuleConfig): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
