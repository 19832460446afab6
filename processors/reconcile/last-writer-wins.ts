// Two-way sync precedence (DESIGN §4 rule 4): which side's write wins when the two sides of a mutual pair
// hold different writes of one key, judged from the writes' origins (their replica markers).
import { normalizeEtag, sameWrite } from './marker.ts';
import type { ReplicaMarker, RuleView } from './types.ts';

/** 'source': this direction acts; otherwise it skips and the opposite rule carries the winner. */
export type Precedence = 'source' | 'echo' | 'destination-newer';

/**
 * - Both writes from the same origin bucket: that bucket's own history orders them, not clocks (OSS
 *   times have one-second resolution, so two writes there can share a time). If the origin is the
 *   destination, the destination holds that bucket's latest write: the same write means the source is an
 *   echo of it ('echo'); another one means the destination's is newer. If the origin is the source, the
 *   source's is the latest. A third origin (chained replication) falls back to time, then etag.
 * - Different origins: last writer wins by origin time; a tie goes to the lexicographically greater
 *   origin bucket name, so both directions agree on the winner.
 */
export function precedence(source: ReplicaMarker, destination: ReplicaMarker, rule: Pick<RuleView, 'sourceBucket' | 'destinationBucket'>): Precedence {
  if (source.originBucket === destination.originBucket) {
    if (source.originBucket === rule.destinationBucket) return sameWrite(source, destination) ? 'echo' : 'destination-newer';
    if (source.originBucket === rule.sourceBucket) return 'source';
    const cmp = compare(source.originTime, destination.originTime) || compare(normalizeEtag(source.originEtag), normalizeEtag(destination.originEtag));
    return cmp < 0 ? 'destination-newer' : 'source';
  }
  const cmp = compare(source.originTime, destination.originTime) || compare(source.originBucket, destination.originBucket);
  return cmp < 0 ? 'destination-newer' : 'source';
}

function compare<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
