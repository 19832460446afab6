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

/** Groups a listing's entries by key (the versions of one key are consecutive). */
export async function* keyGroups(pages: AsyncIterable<ListedObject[]>): AsyncGenerator<ListedObject[]> {
  let group: ListedObject[] = [];
  for await (const page of pages) {
    for (const o of page) {
      if (group.length && group[0]!.key !== o.key) {
        yield group;
        group = [];
      }
      group.push(o);
    }
  }
  if (group.length) yield group;
}

export async function* mergeJoin(source: AsyncIterable<ListedObject[]>, destination: AsyncIterable<ListedObject[]>): AsyncGenerator<JoinedKey> {
  const src = keyGroups(source)[Symbol.asyncIterator]();
  const dst = keyGroups(destination)[Symbol.asyncIterator]();
  let a = await src.next();
  let b = await dst.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : byteOrder(a.value[0]!.key, b.value[0]!.key);
    const key = order <= 0 ? a.value![0]!.key : b.value![0]!.key;
    yield { key, source: order <= 0 ? a.value! : undefined, destination: order >= 0 ? b.value! : undefined };
    if (order <= 0) a = await src.next();
    if (order >= 0) b = await dst.next();
  }
}
