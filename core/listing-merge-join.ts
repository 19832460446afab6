// Merge-join of two key-ordered listings in constant memory: each step yields one key with its listing
// entries on each side (all versions of it on versioned pairs). OSS lists in byte order of the UTF-8 key,
// so keys are compared the same way (not as JavaScript strings, which compare UTF-16 code units).
import type { ListedObject } from './ports/object-store.ts';

export interface JoinedKey {
  key: string;
  source?: ListedObject[];
  destination?: ListedObject[];
}

/**
 * UTF-8 byte order is code point order; UTF-16 code units differ from it only where a surrogate (a code point
 * above U+FFFF) meets U+E000..U+FFFF. Compared unit by unit with that one correction, so the planner's
 * compare of every listed key allocates nothing (it made two Buffers per compare).
 */
export function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : 1;
}

/**
 * A listing's entries grouped by key (the versions of one key are consecutive), a page of whole groups at a
 * time: a page's last group waits for the next page, which may hold more of its versions.
 */
export async function* keyGroupPages(pages: AsyncIterable<ListedObject[]>): AsyncGenerator<ListedObject[][]> {
  let open: ListedObject[] = [];
  for await (const page of pages) {
    const groups: ListedObject[][] = [];
    for (const o of page) {
      if (open.length && open[0]!.key !== o.key) {
        groups.push(open);
        open = [];
      }
      open.push(o);
    }
    if (groups.length) yield groups;
  }
  if (open.length) yield [open];
}

/**
 * The merge-join a batch at a time: every key it can join from the pages at hand, before it waits for the next
 * page of either side. The planner decides a million keys through this; one await per key cost more CPU than
 * deciding them.
 */
export async function* mergeJoinPages(source: AsyncIterable<ListedObject[]>, destination: AsyncIterable<ListedObject[]>): AsyncGenerator<JoinedKey[]> {
  const src = keyGroupPages(source)[Symbol.asyncIterator]();
  const dst = keyGroupPages(destination)[Symbol.asyncIterator]();
  let a: ListedObject[][] = [];
  let b: ListedObject[][] = [];
  let ai = 0;
  let bi = 0;
  let aDone = false;
  let bDone = false;
  let out: JoinedKey[] = [];
  for (;;) {
    if (ai >= a.length && !aDone) {
      if (out.length) yield out;
      out = [];
      const r = await src.next();
      if (r.done) aDone = true;
      else [a, ai] = [r.value, 0];
      continue;
    }
    if (bi >= b.length && !bDone) {
      if (out.length) yield out;
      out = [];
      const r = await dst.next();
      if (r.done) bDone = true;
      else [b, bi] = [r.value, 0];
      continue;
    }
    const ga = ai < a.length ? a[ai] : undefined;
    const gb = bi < b.length ? b[bi] : undefined;
    if (!ga && !gb) break;
    const order = !ga ? 1 : !gb ? -1 : byteOrder(ga[0]!.key, gb[0]!.key);
    out.push({ key: order <= 0 ? ga![0]!.key : gb![0]!.key, source: order <= 0 ? ga : undefined, destination: order >= 0 ? gb : undefined });
    if (order <= 0) ai++;
    if (order >= 0) bi++;
  }
  if (out.length) yield out;
}

/** The merge-join a key at a time. */
export async function* mergeJoin(source: AsyncIterable<ListedObject[]>, destination: AsyncIterable<ListedObject[]>): AsyncGenerator<JoinedKey> {
  for await (const batch of mergeJoinPages(source, destination)) yield* batch;
}
