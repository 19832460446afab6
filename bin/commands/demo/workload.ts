// The demo's workload on the source bucket: puts of several sizes with headers, metadata, tags and ACLs,
// then overwrites, deletes, ACL and tag changes of some of those keys.
import { randomBytes } from 'node:crypto';
import type { OssClient } from '../../../core/adapters/oss/client.ts';

const SIZES = [0, 1024, 4096, 65_536, 1_048_576, 3_145_728];
const WRITERS = 16;

const keyOf = (i: number) => `demo/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%' : ''}.bin`;

/** How many operations runWorkload makes for `objects` objects. */
export function workloadSize(objects: number): number {
  return objects + Math.ceil(objects / 5) + Math.ceil((objects - 3) / 10) + Math.ceil((objects - 1) / 10) + Math.ceil((objects - 2) / 10);
}

/** Runs the workload through `client` (bound to the source bucket); `progress` hears every finished operation. */
export async function runWorkload(client: OssClient, objects: number, progress: (done: number, total: number) => void): Promise<number> {
  const ops: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < objects; i++) {
    const size = SIZES[i % SIZES.length];
    ops.push(() => client.put(keyOf(i), randomBytes(size), {
      headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'max-age=60', 'x-oss-tagging': `team=demo&n=${i}`, ...(i % 5 === 0 ? { 'x-oss-object-acl': 'public-read' } : {}) },
      meta: { owner: 'demo', index: String(i) },
    } as never));
  }
  for (let i = 0; i < objects; i += 5) ops.push(() => client.put(keyOf(i), randomBytes(2048)));
  for (let i = 3; i < objects; i += 10) ops.push(() => client.delete(keyOf(i)));
  for (let i = 1; i < objects; i += 10) ops.push(() => client.putACL(keyOf(i), 'private'));
  for (let i = 2; i < objects; i += 10) ops.push(() => client.putObjectTagging(keyOf(i), { team: 'demo', stage: 'retagged' }));
  // Each phase runs after the previous one, so one key sees its operations in order (single writer).
  const phases = [ops.slice(0, objects), ops.slice(objects)];
  let done = 0;
  for (const phase of phases) {
    let next = 0;
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      while (next < phase.length) {
        await phase[next++]();
        progress(++done, ops.length);
      }
    }));
  }
  return ops.length;
}
