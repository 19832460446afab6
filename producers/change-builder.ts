// Turns captured events into ObjectChange records for the changes topic: matched to rules, with
// echoes of the replication itself dropped (where the requester says so). Pure.
import { newChange } from '../schemas/records.ts';
import type { CaptureSource, ObjectChange } from '../schemas/types.ts';
import type { CapturedEvent } from './notification/parse-event.ts';
import type { RuleIndex, RuleScope } from '../core/rule-index.ts';

export interface BuiltChanges {
  changes: ObjectChange[];
  /** Rule ids of each dropped echo, for counting. */
  echoes: string[][];
  unmatched: number;
}

export function buildChanges(
  events: CapturedEvent[],
  rules: RuleIndex<RuleScope>,
  opts: { replicatorPrincipals: ReadonlySet<string>; captureSource: CaptureSource; now: number },
): BuiltChanges {
  const out: BuiltChanges = { changes: [], echoes: [], unmatched: 0 };
  for (const e of events) {
    const matched = rules.match(e.bucket, e.key);
    if (matched.length === 0) {
      out.unmatched++;
      continue;
    }
    const ruleIds = matched.map((r) => r.id);
    if (e.requester !== null && opts.replicatorPrincipals.has(e.requester)) {
      out.echoes.push(ruleIds);
      continue;
    }
    out.changes.push(newChange({
      eventId: e.eventId, ruleIds, sourceBucket: e.bucket, region: e.region, key: e.key, operation: e.operation, versionId: e.versionId,
      etag: e.etag, size: e.size, eventTime: e.eventTime, captureTime: opts.now, requester: e.requester, captureSource: opts.captureSource,
      eventName: e.eventName,
    }));
  }
  return out;
}
