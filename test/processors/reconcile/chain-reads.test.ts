import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseReads, pairChains, readChains, type ChainIo } from '../../../processors/reconcile/chain-reads.ts';
import { metaWithoutMarker } from '../../../processors/reconcile/in-sync.ts';
import { markerOf } from '../../../processors/reconcile/marker.ts';
import { planVersioned } from '../../../processors/reconcile/plan-versioned.ts';
import type { RuleView, Trigger, VersionEntry, VersionStep } from '../../../processors/reconcile/types.ts';
import { VersionedKey, applyStep, prng } from './bucket-model.ts';
import { copy, obj, rule } from './fixtures.ts';
import { randomAcl, randomTags, randomWrite } from './random-writes.ts';

const SEEDS = Number(process.env.CRR_PROPERTY_SEEDS ?? 80);

/** The model's key as OSS serves it: listings without states, HEADs counted. */
function io(src: VersionedKey, dst: VersionedKey, counter = { heads: 0 }): ChainIo {
  const key = (side: 'source' | 'destination') => (side === 'source' ? src : dst);
  return {
    list: async (side) => key(side).chain.map(({ state: _s, ...listed }) => ({ ...listed })),
    head: async (side, versionId) => {
      counter.heads++;
      const v = key(side).chain.find((e) => e.versionId === versionId);
      return v?.state ? structuredClone(v.state) : null;
    },
  };
}

/** One trigger's reconcile the way reconcileKey does it: the chains as chain-reads reads them, planned, applied. */
async function reconcile(src: VersionedKey, dst: VersionedKey, r: RuleView, t: Trigger, now: number, upto?: (n: number) => number): Promise<{ steps: VersionStep[]; heads: number }> {
  const counter = { heads: 0 };
  const chains = await readChains(io(src, dst, counter), r, t);
  const steps = planVersioned(chains.source, chains.destination, r, copy, t);
  for (const s of steps.slice(0, upto ? upto(steps.length) : steps.length)) applyStep(s, src, dst, now);
  return { steps, heads: counter.heads };
}

const fullPlan = (src: VersionedKey, dst: VersionedKey, r: RuleView): VersionStep[] =>
  planVersioned(src.chain, dst.chain, r, copy, { kind: 'REPAIR', eventTime: 0 });

function sig(v: VersionEntry): string {
  if (v.isDeleteMarker) return 'DM';
  const s = v.state!;
  return JSON.stringify([s.etag, s.headers, metaWithoutMarker(s.userMeta), Object.entries(s.tags).sort(), s.acl]);
}
const sigs = (chain: VersionEntry[]): string[] => [...chain].reverse().map(sig);
/** A chain as ListObjectVersions shows it: no states. */
const listed = (k: VersionedKey): VersionEntry[] => k.chain.map(({ state: _s, ...entry }) => entry);

/** A key of n versions (distinct contents, 10 s apart) replicated in full. */
async function replicatedKey(n: number, r: RuleView): Promise<{ src: VersionedKey; dst: VersionedKey; now: number }> {
  const src = new VersionedKey('src');
  const dst = new VersionedKey('dst');
  let now = 10_000;
  for (let i = 0; i < n; i++) {
    const v = src.put(obj({ etag: `E${i}`, size: 10 + i, lastModified: now }));
    now += 1000;
    await reconcile(src, dst, r, { kind: 'REALTIME', operation: 'PUT', versionId: v.versionId, eventTime: now }, now);
    now += 9000;
  }
  return { src, dst, now };
}

describe('chain reads: what a trigger of a versioned key reads', () => {
  const r = rule();

  it('a key of 100 versions in sync: a trigger reads the version it names on each side, nothing else', async () => {
    const { src, dst } = await replicatedKey(100, r);
    assert.deepEqual(fullPlan(src, dst, r), []);
    const named = src.chain[40]!.versionId;
    const { steps, heads } = await reconcile(src, dst, r, { kind: 'REALTIME', operation: 'TAGGING', versionId: named, eventTime: 1 }, 0);
    assert.deepEqual(steps, []);
    assert.equal(heads, 2);
    const reads = chooseReads(await io(src, dst).list('source'), await io(src, dst).list('destination'), r, { kind: 'REALTIME', versionId: named });
    assert.deepEqual([...reads.source], [named]);
    assert.deepEqual([...reads.destination].map((d) => markerOf(dst.find(d).state!)?.originVersionId), [named]);
  });

  it('a new version on a key of 100: reads it and the newest replica, and copies it', async () => {
    const { src, dst, now } = await replicatedKey(100, r);
    const v = src.put(obj({ etag: 'NEW', size: 7, lastModified: now }));
    const { steps, heads } = await reconcile(src, dst, r, { kind: 'REALTIME', operation: 'PUT', versionId: v.versionId, eventTime: now }, now + 1000);
    assert.deepEqual(steps.map((s) => s.kind), ['copy-version']);
    assert.equal(heads, 2); // the new version, and the replica the copy goes above
    assert.deepEqual(sigs(dst.chain), sigs(src.chain));
  });

  it('a tag change on an old source version is replicated to its replica', async () => {
    const { src, dst } = await replicatedKey(10, r);
    const v = src.chain[7]!;
    v.state = { ...v.state!, tags: { env: 'prod' } };
    const { steps, heads } = await reconcile(src, dst, r, { kind: 'REALTIME', operation: 'TAGGING', versionId: v.versionId, eventTime: 1 }, 0);
    assert.equal(heads, 2);
    assert.equal(steps.length, 1);
    const step = steps[0]!;
    assert.ok(step.kind === 'update-version');
    assert.deepEqual(step.tags, { env: 'prod' });
    assert.equal(markerOf(dst.find(step.versionId).state!)?.originVersionId, v.versionId);
  });

  it('PUT: versions the source deleted for good are not read again by later triggers', async () => {
    const put = rule({ action: 'PUT' });
    const { src, dst, now } = await replicatedKey(20, put);
    for (const v of src.chain.slice(1, 15)) src.deleteVersion(v.versionId);
    const { steps, heads } = await reconcile(src, dst, put, { kind: 'REALTIME', operation: 'PUT', versionId: src.chain[0]!.versionId, eventTime: now }, now);
    assert.deepEqual(steps, []);
    assert.equal(heads, 2);
  });

  it('ALL: a version delete reads the destination chain once (only a marker tells its replica) and deletes the replica', async () => {
    const { src, dst, now } = await replicatedKey(20, r);
    const gone = src.chain[5]!.versionId;
    src.deleteVersion(gone);
    const first = await reconcile(src, dst, r, { kind: 'REALTIME', operation: 'DELETE', versionId: gone, eventTime: now }, now);
    assert.deepEqual(first.steps.map((s) => s.kind), ['delete-version']);
    assert.equal(first.heads, 20);
    assert.deepEqual(sigs(dst.chain), sigs(src.chain));
    const later = await reconcile(src, dst, r, { kind: 'REALTIME', operation: 'PUT', versionId: src.chain[0]!.versionId, eventTime: now }, now);
    assert.deepEqual(later.steps, []);
    assert.equal(later.heads, 2);
  });

  it('REPAIR and BACKFILL triggers read every version', async () => {
    const { src, dst } = await replicatedKey(10, r);
    for (const kind of ['REPAIR', 'BACKFILL'] as const) {
      const { heads } = await reconcile(src, dst, r, { kind, eventTime: 1 }, 0);
      assert.equal(heads, 20, kind);
    }
  });

  it('same content written again before the copy was made: not paired, read', () => {
    const src = new VersionedKey('src');
    const dst = new VersionedKey('dst');
    src.put(obj({ etag: 'X', lastModified: 1000 }));
    dst.put(obj({ etag: 'X', lastModified: 2000 }));
    src.put(obj({ etag: 'X', lastModified: 2000 }));
    assert.equal(pairChains(listed(src), listed(dst), rule()).size, 0);
    // told apart by time: the second write came after the copy (a copy is never older than its source)
    src.chain[0]!.lastModified = 3000;
    assert.deepEqual([...pairChains(listed(src), listed(dst), rule())], [[dst.chain[0]!.versionId, src.chain[1]!.versionId]]);
  });

  it('a multipart ETag on one side pairs by size', () => {
    const src = new VersionedKey('src');
    const dst = new VersionedKey('dst');
    src.put(obj({ etag: 'ABC-3', size: 999, lastModified: 1000 }));
    dst.put(obj({ etag: 'DEF', size: 999, lastModified: 2000 }));
    assert.equal(pairChains(listed(src), listed(dst), rule()).size, 1);
    dst.chain[0]!.size = 998;
    assert.equal(pairChains(listed(src), listed(dst), rule()).size, 0);
  });
});

describe('chain reads against the full check (property)', () => {
  for (const action of ['ALL', 'PUT'] as const) {
    for (const tamper of [false, true]) {
      it(`action ${action}${tamper ? ', with writes on the replica' : ''}: triggers that read only what can differ end where the full check does (${SEEDS} seeds)`, async () => {
        const r = rule({ action });
        for (let seed = 1; seed <= SEEDS; seed++) {
          const rng = prng(seed * 97 + (action === 'PUT' ? 1 : 0) + (tamper ? 2 : 0));
          const src = new VersionedKey('src');
          const dst = new VersionedKey('dst');
          const queue: Trigger[] = [];
          let now = 1_000;
          const event = (operation: string, versionId: string): void => { queue.push({ kind: 'REALTIME', operation, versionId, eventTime: now }); };
          for (let i = 0; i < 30; i++) {
            now += rng.pick([300, 1000, 4000]);
            const roll = rng.next();
            const objects = src.chain.filter((v) => !v.isDeleteMarker);
            if (roll < 0.3) event('PUT', src.put(randomWrite(rng, 'k', now)).versionId);
            else if (roll < 0.38) event('DELETE_MARKER', src.deleteMarker(now).versionId);
            else if (roll < 0.46 && src.chain.length) {
              const gone = rng.pick(src.chain).versionId;
              src.deleteVersion(gone);
              event('DELETE', gone);
            } else if (roll < 0.54 && objects.length) {
              const v = rng.pick(objects);
              const tags = rng.chance(0.5);
              v.state = tags ? randomTags(rng, v.state!) : randomAcl(rng, v.state!);
              event(tags ? 'TAGGING' : 'ACL', v.versionId);
            } else if (roll < 0.62 && tamper) {
              if (rng.chance(0.6)) dst.put(randomWrite(rng, 'k', now));
              else dst.deleteMarker(now);
            } else if (queue.length) {
              // the next trigger, possibly interrupted part-way (then redelivered)
              const partial = rng.chance(0.3);
              await reconcile(src, dst, r, queue[0]!, now, partial ? (n) => rng.int(n + 1) : undefined);
              if (!partial) queue.shift();
            }
          }
          while (queue.length) {
            now += 1000;
            await reconcile(src, dst, r, queue.shift()!, now);
          }
          const ctx = `seed ${seed}\nsrc ${JSON.stringify(sigs(src.chain))}\ndst ${JSON.stringify(sigs(dst.chain))}`;
          if (!tamper) {
            // Every trigger handled: the full check finds nothing left to do.
            assert.deepEqual(fullPlan(src, dst, r), [], ctx);
            if (action === 'ALL') assert.deepEqual(sigs(dst.chain), sigs(src.chain), ctx);
          } else {
            // Writes on the replica raise no trigger; what the triggers left, one full reconcile settles.
            for (const s of fullPlan(src, dst, r)) applyStep(s, src, dst, now + 1000);
            assert.deepEqual(fullPlan(src, dst, r), [], ctx);
          }
        }
      });
    }
  }
});
