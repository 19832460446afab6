// The constraints OSS puts on a set of replication rules, checked together (pure: no I/O, no YAML): different
// regions unless `sameRegion`, one-to-one buckets with the mutual pair as the one exception, a mutual pair
// declared alike on both sides, at most 10 prefixes that neither are empty nor cover each other, SSE-KMS
// replication with its replica key. The config loader calls it at start; a rules control plane can call it
// on a proposed rule set.

/** What the checks read of a rule (a parsed RuleConfig has all of it). */
export interface ConstrainedRule {
  id: string;
  source: { endpoint: string; bucket: string };
  destination: { endpoint: string; bucket: string };
  prefixes: readonly string[];
  action: 'ALL' | 'PUT';
  twoWay: boolean;
  sameRegion?: boolean;
  replicateSseKms?: boolean;
  replicaKmsKeyId?: string;
}

export interface RuleProblem {
  /** Position of the rule in the list (its config path is `rules[index]`). */
  index: number;
  rule: string;
  /** The rule's field at fault, e.g. `destination.bucket`. */
  field: string;
  message: string;
}

/** OSS's limit of prefixes per replication rule. */
export const MAX_PREFIXES = 10;

/** `rules[i].field: message`, as the config error shows it. */
export function formatRuleProblem(p: RuleProblem): string {
  return `rules[${p.index}].${p.field}: ${p.message}`;
}

const regionId = (region: string | undefined) => region?.replace(/^oss-/, '');

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');

/**
 * Every problem of the rule set. `endpoints` gives each endpoint's region; a rule naming an unknown endpoint
 * is the loader's own problem and is skipped by the region check here. Bucket names are global on OSS, so a
 * bucket is its name whatever endpoint reaches it.
 */
export function ruleProblems(rules: readonly ConstrainedRule[], endpoints: Readonly<Record<string, { region: string }>>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (index: number, field: string, message: string) => problems.push({ index, rule: rules[index].id, field, message });

  rules.forEach((r, i) => {
    // 'oss-cn-hangzhou' and 'cn-hangzhou' name one region.
    const from = regionId(endpoints[r.source.endpoint]?.region);
    const to = regionId(endpoints[r.destination.endpoint]?.region);
    if (r.source.bucket === r.destination.bucket) {
      add(i, 'destination.bucket', `rule "${r.id}" replicates bucket "${r.source.bucket}" onto itself`);
    } else if (from !== undefined && to !== undefined && from === to && !r.sameRegion) {
      add(i, 'destination.endpoint', `rule "${r.id}": source and destination are both in region ${endpoints[r.source.endpoint]!.region}; cross-region replication needs two regions (set sameRegion: true to replicate within one region)`);
    }

    // OSS refuses SseKmsEncryptedObjects Enabled without EncryptionConfiguration/ReplicaKmsKeyID (0031-00000033).
    if (r.replicateSseKms && !r.replicaKmsKeyId) {
      add(i, 'replicaKmsKeyId', `rule "${r.id}" sets replicateSseKms but names no replicaKmsKeyId: the KMS key the replicas of SSE-KMS objects are encrypted with`);
    } else if (!r.replicateSseKms && r.replicaKmsKeyId) {
      add(i, 'replicateSseKms', `rule "${r.id}" names replicaKmsKeyId but does not set replicateSseKms: true, so SSE-KMS objects would not be replicated`);
    }

    if (r.prefixes.length > MAX_PREFIXES) add(i, 'prefixes', `rule "${r.id}" has ${r.prefixes.length} prefixes; OSS allows at most ${MAX_PREFIXES}`);
    r.prefixes.forEach((p, j) => {
      if (p === '') {
        add(i, `prefixes[${j}]`, `rule "${r.id}": a prefix cannot be empty (leave prefixes out to replicate the whole bucket)`);
        return;
      }
      const k = r.prefixes.findIndex((q, n) => n !== j && q !== '' && p.startsWith(q) && (q !== p || n < j));
      if (k >= 0) {
        add(i, `prefixes[${j}]`, r.prefixes[k] === p ? `rule "${r.id}": prefix "${p}" is listed twice`
          : `rule "${r.id}": prefix "${p}" lies under prefix "${r.prefixes[k]}" of the same rule`);
      }
    });
  });

  // One-to-one: the first rule to name a bucket as source (or destination) owns it; a later one is refused.
  const firstSource = new Map<string, number>();
  const firstDestination = new Map<string, number>();
  rules.forEach((r, i) => {
    const s = firstSource.get(r.source.bucket);
    if (s !== undefined) {
      add(i, 'source.bucket', `bucket "${r.source.bucket}" is already the source of rule "${rules[s].id}"; OSS replicates a bucket to one destination (one-to-one)`);
    } else firstSource.set(r.source.bucket, i);
    const d = firstDestination.get(r.destination.bucket);
    if (d !== undefined) {
      add(i, 'destination.bucket', `bucket "${r.destination.bucket}" already receives from rule "${rules[d].id}"; a destination has one source (one-to-one)`);
    } else firstDestination.set(r.destination.bucket, i);
  });

  // Mutual pairs: A→B with B→A, declared alike on both sides.
  rules.forEach((r, i) => {
    if (r.source.bucket === r.destination.bucket) return;
    const j = rules.findIndex((o) => o.source.bucket === r.destination.bucket && o.destination.bucket === r.source.bucket);
    if (j < 0) {
      if (r.twoWay) add(i, 'twoWay', `rule "${r.id}" is twoWay but no rule replicates "${r.destination.bucket}" back to "${r.source.bucket}"`);
      return;
    }
    if (j < i) return; // the pair is checked once, from its first rule
    const back = rules[j];
    if (!r.twoWay || !back.twoWay) {
      const missing = [r, back].filter((x) => !x.twoWay).map((x) => `"${x.id}"`).join(' and ');
      add(r.twoWay ? j : i, 'twoWay', `rules "${r.id}" and "${back.id}" replicate "${r.source.bucket}" and "${r.destination.bucket}" into each other: a mutual pair needs twoWay: true on both (missing on ${missing})`);
      return;
    }
    if (r.action !== back.action) {
      add(j, 'action', `rule "${back.id}" has action ${back.action} but its mutual pair "${r.id}" has ${r.action}; both directions must have the same action`);
    }
    if (!sameSet(r.prefixes, back.prefixes)) {
      add(j, 'prefixes', `rule "${back.id}" has prefixes [${back.prefixes.join(', ')}] but its mutual pair "${r.id}" has [${r.prefixes.join(', ')}]; both directions must have the same prefixes`);
    }
  });
  return problems;
}

/**
 * Why a rule cannot replicate with its buckets' live versioning, or null. `versioned` is true once versioning
 * was ever enabled (a suspended bucket keeps its chains). Both buckets must agree; a versioned two-way pair
 * is refused: each side's replicas would be copied back as new versions of the other's chain.
 */
export function versioningProblem(rule: Pick<ConstrainedRule, 'id' | 'twoWay'>, sourceVersioned: boolean, destinationVersioned: boolean):
  { reason: 'versioning-mismatch' | 'versioned-two-way'; message: string } | null {
  const label = (v: boolean) => (v ? 'versioned' : 'not versioned');
  if (sourceVersioned !== destinationVersioned) {
    return { reason: 'versioning-mismatch', message: `rule ${rule.id}: the source bucket is ${label(sourceVersioned)} but the destination is ${label(destinationVersioned)}; both must be versioned, or neither` };
  }
  if (sourceVersioned && rule.twoWay) {
    return { reason: 'versioned-two-way', message: `rule ${rule.id}: two-way replication between versioned buckets is not supported; make the rule one-way or use unversioned buckets` };
  }
  return null;
}
