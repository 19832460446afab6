// A mixed, seeded workload on a versioned and an unversioned bucket: puts, overwrites, deletes (delete
// markers and version deletes on the versioned one), ACL and tag changes, on keys with awkward names. One
// writer per key (its operations run in sequence), many keys at once; records what each key went through.
import type { OssClient } from '../../../core/adapters/oss/client.ts';
import type { ChangeOperation } from '../../../schemas/types.ts';
import { rng } from '../../helpers/random.ts';

export interface ExpectedChange { operation: ChangeOperation; versionId: string | null }

/** Key names that trip up encoders: space, plus, percent, non-ASCII, slashes, and long ones. */
export function awkwardKey(i: number): string {
  const shapes = [
    (n: number) => `space dir/file ${n}.txt`,
    (n: number) => `plus+sign/${n}+1=2`,
    (n: number) => `percent%2F%20%/${n}%`,
    (n: number) => `ünïcödé/日本語/ключ-${n}-😀`,
    (n: number) => `deep/a/b/c/d/e/f/g/${n}`,
    (n: number) => `long/${'x'.repeat(600)}-${n}`,
    (n: number) => `mixed + % ü/${n} //double`,
    (n: number) => `plain-${n}`,
  ];
  return shapes[i % shapes.length](i);
}

type Op = 'put' | 'overwrite' | 'delete' | 'deleteVersion' | 'acl' | 'tag' | 'untag';

/** The operations of one key: starts with a put; deletes are followed by a put (so every op has an object to act on). */
function program(random: () => number, length: number, versioned: boolean): Op[] {
  const ops: Op[] = ['put'];
  let exists = true;
  let versions = 1;
  while (ops.length < length) {
    if (!exists) {
      ops.push('put');
      exists = true;
      versions++;
      continue;
    }
    const r = random();
    let op: Op = r < 0.25 ? 'overwrite' : r < 0.45 ? 'delete' : r < 0.65 ? 'acl' : r < 0.8 ? 'tag' : r < 0.88 ? 'untag' : 'deleteVersion';
    if (op === 'deleteVersion' && (!versioned || versions < 2)) op = 'overwrite';
    if (op === 'overwrite') versions++;
    if (op === 'deleteVersion') versions--;
    if (op === 'delete') exists = false;
    ops.push(op);
  }
  return ops;
}

export interface WorkloadBucket { name: string; versioned: boolean; client: OssClient }

export interface Workload {
  /** `bucket/key` → the changes OSS must report, in order. */
  expected: Map<string, ExpectedChange[]>;
  total: number;
}

const versionOf = (result: unknown): string | null =>
  ((result as { res?: { headers?: Record<string, string> } }).res?.headers?.['x-oss-version-id']) ?? null;

/** Runs one key's operations in order, returning the changes they cause. */
async function runKey(b: WorkloadBucket, key: string, ops: Op[]): Promise<ExpectedChange[]> {
  const out: ExpectedChange[] = [];
  const chain: string[] = []; // version ids of real objects, oldest first (versioned bucket)
  let latest: string | null = null;
  const v = (id: string | null) => (b.versioned ? id : null);
  let n = 0;
  for (const op of ops) {
    n++;
    if (op === 'put' || op === 'overwrite') {
      latest = versionOf(await b.client.put(key, Buffer.from(`${key}#${n}`)));
      if (b.versioned) chain.push(latest!);
      out.push({ operation: 'PUT', versionId: v(latest) });
    } else if (op === 'delete') {
      const marker = versionOf(await b.client.delete(key));
      out.push(b.versioned ? { operation: 'DELETE_MARKER', versionId: marker } : { operation: 'DELETE', versionId: null });
      latest = null;
    } else if (op === 'deleteVersion') {
      // The oldest version, never the current one: the key keeps its latest object.
      const oldest = chain.shift()!;
      await b.client.delete(key, { versionId: oldest } as never);
      out.push({ operation: 'DELETE', versionId: oldest });
    } else if (op === 'acl') {
      await b.client.putACL(key, n % 2 ? 'public-read' : 'private');
      out.push({ operation: 'ACL', versionId: v(latest) });
    } else if (op === 'tag') {
      await b.client.putObjectTagging(key, { step: String(n), 'odd key': 'a+b=c' });
      out.push({ operation: 'TAGGING', versionId: v(latest) });
    } else {
      await b.client.deleteObjectTagging(key);
      out.push({ operation: 'TAGGING', versionId: v(latest) });
    }
  }
  return out;
}

/**
 * Runs `opsPerKey` operations on each of `keysPerBucket` keys of every bucket, `concurrency` keys at a time.
 * `progress` is told the count of operations done after each key.
 */
export async function runWorkload(buckets: WorkloadBucket[], keysPerBucket: number, opsPerKey: number, concurrency: number,
  progress: (opsDone: number) => void = () => undefined, seed = 42): Promise<Workload> {
  const random = rng(seed);
  const jobs = buckets.flatMap((b) => Array.from({ length: keysPerBucket }, (_, i) => ({ b, key: awkwardKey(i), ops: program(random, opsPerKey, b.versioned) })));
  const expected = new Map<string, ExpectedChange[]>();
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      expected.set(`${job.b.name}/${job.key}`, await runKey(job.b, job.key, job.ops));
      done += job.ops.length;
      progress(done);
    }
  }));
  return { expected, total: [...expected.values()].reduce((n, e) => n + e.length, 0) };
}
