// Builders for reconcile unit tests: object states and rules with sensible defaults.
import type { CopySettings, ObjectState, RuleView } from '../../../processors/reconcile/types.ts';

export function obj(over: Partial<ObjectState> = {}): ObjectState {
  return {
    key: 'k/obj.txt', etag: 'E1', crc64: '111', size: 10, lastModified: 1_000, headers: { contentType: 'text/plain' },
    userMeta: {}, tags: {}, acl: 'default', ...over,
  };
}

export function rule(over: Partial<RuleView> = {}): RuleView {
  return { id: 'r1', sourceBucket: 'src', destinationBucket: 'dst', action: 'ALL', ...over };
}

/** How the planner's copies are made: objects over 100 bytes go multipart. */
export const copy: Pick<CopySettings, 'multipartThresholdBytes'> = { multipartThresholdBytes: 100 };

/** The mirror rule of a two-way pair. */
export function reverse(r: RuleView): RuleView {
  return { ...r, id: `${r.id}-rev`, sourceBucket: r.destinationBucket, destinationBucket: r.sourceBucket };
}
