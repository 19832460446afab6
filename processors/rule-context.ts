// Per-rule reconcile context: the rule as the planner sees it with the copy settings beside it, the two
// object stores (one per side, each counting its OSS requests under the rule's label for per-tenant
// accounting), and whether the pair is versioned (asked when built; the live versioning check rebuilds it
// when that changes, and halts the rule while both sides disagree).
import { versioningProblem } from '../core/config/rule-constraints.ts';
import { CrrError } from '../core/errors.ts';
import type { RuleConfig } from '../core/config/schema.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { UploadOwnership } from './reconcile/copy-object.ts';
import type { ReconcileContext } from './reconcile/reconcile-key.ts';
import { DestinationPresence } from './reconcile/presence.ts';
import type { CopySettings, RuleView } from './reconcile/types.ts';
import { withReadRetries } from './retrying-reads.ts';

export interface RuleContextOptions {
  /** The same for every rule; each context carries them beside its rule. */
  copy: CopySettings;
  /** A store for a named endpoint whose requests count under `rule`. */
  storeFor: (endpointName: string, ruleId: string) => ObjectStore;
  /** This tool's multipart uploads (upload-leases.ts); without it a left upload is never aborted. */
  leases?: UploadOwnership;
}

/** The copy settings of the processing config (every rule's context carries them). */
export function copySettingsOf(p: CopySettings): CopySettings {
  return { multipartThresholdBytes: p.multipartThresholdBytes, partSizeBytes: p.partSizeBytes, partConcurrency: p.partConcurrency };
}

export function ruleView(rule: RuleConfig): RuleView {
  const enc = rule.destination.encryption;
  return {
    id: rule.id,
    sourceBucket: rule.source.bucket,
    destinationBucket: rule.destination.bucket,
    action: rule.action,
    encryption: enc ? (enc.type === 'KMS' ? { algorithm: 'KMS', keyId: enc.keyId } : { algorithm: enc.type }) : undefined,
    // The load-time constraints make replicateSseKms and replicaKmsKeyId come together.
    replicaKmsKeyId: rule.replicateSseKms ? rule.replicaKmsKeyId : undefined,
    storageClass: rule.destination.storageClass,
    twoWay: rule.twoWay,
  };
}

export class RuleContexts {
  private readonly contexts = new Map<string, Promise<ReconcileContext>>();

  constructor(private readonly rules: ReadonlyMap<string, RuleConfig>, private readonly opts: RuleContextOptions) {}

  get(ruleId: string): Promise<ReconcileContext> {
    let ctx = this.contexts.get(ruleId);
    if (!ctx) {
      ctx = this.build(ruleId);
      this.contexts.set(ruleId, ctx);
      ctx.catch(() => this.contexts.delete(ruleId)); // a failed probe (e.g. a network blip) is asked again next time
    }
    return ctx;
  }

  /** Whether each bucket of the rule is versioned now (asked of OSS, not cached): the live versioning check. */
  async probe(ruleId: string): Promise<{ source: boolean; destination: boolean }> {
    const rule = this.rules.get(ruleId);
    if (!rule) throw new CrrError(`no rule "${ruleId}" in this processor's config`, { code: 'UNKNOWN_RULE', stage: 'plan', context: { rule: ruleId } });
    const source = withReadRetries(this.opts.storeFor(rule.source.endpoint, rule.id));
    const destination = withReadRetries(this.opts.storeFor(rule.destination.endpoint, rule.id));
    const [s, d] = await Promise.all([source.isVersioned(rule.source.bucket), destination.isVersioned(rule.destination.bucket)]);
    return { source: s, destination: d };
  }

  /** The next trigger builds the rule's context anew (its buckets' versioning changed). */
  invalidate(ruleId: string): void {
    this.contexts.delete(ruleId);
  }

  private async build(ruleId: string): Promise<ReconcileContext> {
    const rule = this.rules.get(ruleId);
    if (!rule) throw new CrrError(`no rule "${ruleId}" in this processor's config`, { code: 'UNKNOWN_RULE', stage: 'plan', context: { rule: ruleId } });
    const source = withReadRetries(this.opts.storeFor(rule.source.endpoint, rule.id));
    const destination = withReadRetries(this.opts.storeFor(rule.destination.endpoint, rule.id));
    const [sv, dv] = await Promise.all([source.isVersioned(rule.source.bucket), destination.isVersioned(rule.destination.bucket)]);
    const problem = versioningProblem(rule, sv, dv);
    if (problem) throw new CrrError(problem.message, { code: 'VERSIONING_MISMATCH', stage: 'plan', context: { rule: rule.id, reason: problem.reason } });
    return {
      rule: ruleView(rule),
      ...this.opts.copy,
      versioned: sv,
      source, sourceBucket: rule.source.bucket,
      destination, destinationBucket: rule.destination.bucket,
      presence: sv ? undefined : new DestinationPresence(),
      uploads: this.opts.leases ? { leases: this.opts.leases, rule: rule.id } : undefined,
    };
  }
}
