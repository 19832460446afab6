// What the planner does with one joined key (pure): count it in sync from the listings alone, publish a
// task for it, or leave it out (outside the rule's prefixes). Keys only on the destination are tasks under
// action ALL (reconcile deletes them) and in sync under PUT (a PUT-only rule keeps what the source deleted).
import type { ListedObject } from '../../core/ports/object-store.ts';
import type { BackfillCompare } from '../../schemas/types.ts';
import type { JoinedKey } from '../../core/listing-merge-join.ts';

export interface DecideOptions {
  compare: BackfillCompare;
  action: 'ALL' | 'PUT';
  versioned: boolean;
}

export type Decision = 'in-sync' | 'task';

/** A version chain as the listing shows it, oldest first: etag:size per version, 'dm' per delete marker. */
function chain(entries: ListedObject[] | undefined, action: 'ALL' | 'PUT'): string[] {
  return [...(entries ?? [])].reverse()
    .filter((v) => action === 'ALL' || !v.isDeleteMarker)
    .map((v) => (v.isDeleteMarker ? 'dm' : `${v.etag.toLowerCase()}:${v.size}`));
}

export function decide(k: JoinedKey, o: DecideOptions): Decision {
  const live = (e: ListedObject[] | undefined) => (o.versioned ? e ?? [] : (e ?? []).filter((v) => !v.isDeleteMarker));
  const s = live(k.source);
  const d = live(k.destination);
  if (s.length === 0) return o.action === 'PUT' || d.length === 0 ? 'in-sync' : 'task';
  if (o.compare === 'FULL' || d.length === 0) return 'task';
  if (!o.versioned) {
    const [a, b] = [s[0]!, d[0]!];
    return a.etag.toLowerCase() === b.etag.toLowerCase() && a.size === b.size ? 'in-sync' : 'task';
  }
  return chain(s, o.action).join('|') === chain(d, o.action).join('|') ? 'in-sync' : 'task';
}
