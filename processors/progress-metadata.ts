// What a processor writes beside each committed offset (offset-commit metadata), so that progress can be
// computed per rule from Kafka alone (DESIGN §7): how far it has taken the partition, and per rule the
// oldest capture time among that rule's messages taken but not finished at or after the committed offset.
// `crr status` reads it back with the admin API. Kafka caps metadata (offset.metadata.max.bytes, 4096 by
// default): past a budget the per-rule detail is folded into one minimum, which only ever under-claims.

/** The commit metadata of one partition. */
export interface PartitionProgress {
  /** Every message below this offset was taken (fetched and queued) by the committing member. */
  takenUpTo: string;
  /** rule → the oldest capture time (ms) of its unfinished messages in [committed, takenUpTo). */
  oldestPending: Record<string, number>;
  /** When the per-rule detail did not fit: the oldest capture time of any unfinished message, for every rule. */
  oldestPendingAnyRule?: number;
}

const prefix = 'crr1:';
const budgetBytes = 3500;

export function encodeProgress(p: PartitionProgress): string {
  const full = prefix + JSON.stringify({ u: p.takenUpTo, r: p.oldestPending });
  if (Buffer.byteLength(full) <= budgetBytes) return full;
  const times = Object.values(p.oldestPending);
  const folded: Record<string, unknown> = { u: p.takenUpTo, r: {} };
  if (times.length) folded.m = Math.min(...times);
  return prefix + JSON.stringify(folded);
}

/** undefined for metadata this project did not write (none, another tool's, a corrupt one). */
export function decodeProgress(metadata: string | null | undefined): PartitionProgress | undefined {
  if (!metadata?.startsWith(prefix)) return undefined;
  try {
    const v = JSON.parse(metadata.slice(prefix.length)) as { u?: unknown; r?: unknown; m?: unknown };
    if (typeof v.u !== 'string' || !/^\d+$/.test(v.u) || typeof v.r !== 'object' || v.r === null) return undefined;
    const oldestPending: Record<string, number> = {};
    for (const [rule, t] of Object.entries(v.r)) if (typeof t === 'number' && Number.isFinite(t)) oldestPending[rule] = t;
    return { takenUpTo: v.u, oldestPending, ...(typeof v.m === 'number' ? { oldestPendingAnyRule: v.m } : {}) };
  } catch {
    return undefined;
  }
}
