// Per-rule reconcile context: the rule as the planner sees it with the copy settings beside it, the two
// object stores (one per side, each counting its OSS requests under the rule's label for per-tenant
// accounting), and whether the pair is versioned (asked once; both sides must agree).
import { CrrError } from '../core/errors.ts';
import type { RuleConfig } from '../core/config/schema.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { ReconcileContext } from './reconcile/reconcile-key.ts';
import { DestinationPresence } from './reconcile/presence.ts';
import type { CopySettings, RuleView } from './reconcile/types.ts';
import { withReadRetries } from './retrying-reads.ts';

export interface RuleContextOptions {
  /** The same for every rule; each context carries them beside its rule. */
  copy: CopySettings;
  /** A store for a named endpoint whose requests count under `rule`. */
  storeFor: (endpointName: string, ruleId: string) => ObjectStore;
}

export function ruleView(rule: RuleConfig): RuleView {
  const enc = rule.destination.encryption;
  return {
    id: rule.id,
    sourceBucket: rule.source.bucket,
    destinationBucket: rule.destination.bucket,
    action: rule.action,
    encryption: enc ? (enc.type === 'AES256' ? { algorithm: 'AES256' } : { algorithm: 'KMS', keyId: enc.keyId }) : undefined,
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

  private async build(ruleId: string): Promise<ReconcileContext> {
    const rule = this.rules.get(ruleId);
    if (!rule) throw new CrrError(`no rule "${ruleId}" in this processor's config`, { code: 'UNKNOWN_RULE', stage: 'plan', context: { rule: ruleId } });
    const source = withReadRetries(this.opts.storeFor(rule.source.endpoint, rule.id));
    const destination = withReadRetries(this.opts.storeFor(rule.destination.endpoint, rule.id));
    const [sv, dv] = await Promise.all([source.isVersioned(rule.source.bucket), destination.isVersioned(rule.destination.bucket)]);
    if (sv !== dv) {
      throw new CrrError(`rule ${rule.id}: source versioning ${sv ? 'on' : 'off'} but destination ${dv ? 'on' : 'off'}; both sides must match`, {
        code: 'VERSIONING_MISMATCH', stage: 'plan', context: { rule: rule.id },
      });
    }
    return {
      rule: ruleView(rule),
      ...this.opts.copy,
      versioned: sv,
      source, sourceBucket: rule.source.bucket,
      destination, destinationBucket: rule.destination.bucket,
      presence: sv ? undefined : new DestinationPresence(),
    };
  }
}
