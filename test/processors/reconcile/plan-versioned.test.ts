import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CrrError } from '../../../core/errors.ts';
import { metaWithoutMarker } from '../../../processors/reconcile/in-sync.ts';
import { formatMarker, markerOf, parseMarker } from '../../../processors/reconcile/marker.ts';
import { planVersioned } from '../../../processors/reconcile/plan-versioned.ts';
import type { RuleView, Trigger, VersionEntry, VersionStep } from '../../../processors/reconcile/types.ts';
import { VersionedKey, applyStep, prng } from './bucket-model.ts';
import { copy, obj, rule } from './fixtures.ts';
import { randomAcl, randomTags, randomWrite } from './random-writes.ts';

const trigger: Trigger = { kind: 'REALTIME', operation: 'PutObject', eventTime: 1 };
const SEEDS = Number(process.env.CRR_PROPERTY_SEEDS ?? 400);

/** Plans and applies until the plan is empty; returns how many rounds it took. */
function settle(src: VersionedKey, dst: VersionedKey, r: RuleView, now = 50_000): number {
  for (let round = 0; round < 5; round++) {
    const steps = planVersioned(src.chain, dst.chain, r, copy, trigger);
    if (steps.length === 0) return round;
    for (const s of steps) applyStep(s, src, dst, now);
  }
  throw new Error('versioned plan does not settle');
}

/** What a version is, marker aside: compared to check the mirror. */
function sig(v: VersionEntry): string {
  if (v.isDeleteMarker) return 'DM';
  const s = v.state!;
  return JSON.stringify([s.etag, s.headers, metaWithoutMarker(s.userMeta), Object.entries(s.tags).sort(), s.acl]);
}
const sigs = (chain: VersionEntry[]): string[] => [...chain].reverse().map(sig);
const kinds = (steps: VersionStep[]): string[] => steps.map((s) => s.kind);

function keys(): { src: VersionedKey; dst: VersionedKey } {
  return { src: new VersionedKey('src'), dst: new VersionedKey('dst') };
}

describe('planVersioned', () => {
  const r = rule();
  const put = (k: VersionedKey, over = {}, t = 1000): VersionEntry => k.put(obj({ lastModified: t, ...over }));

  it('nothing on either side: nothing to do', () => {
    assert.deepEqual(planVersioned([], [], r, copy, trigger), []);
  });

  it('copies missing versions oldest first, pinned by version id, mapping through the marker', () => {
    const { src, dst } = keys();
    const v1 = put(src, { etag: 'a1', size: 10 });
    src.deleteMarker(1100);
    const v3 = put(src, { etag: 'a3', size: 1000 }, 1200);
    const steps = planVersioned(src.chain, dst.chain, r, copy, trigger);
    assert.deepEqual(kinds(steps), ['copy-version', 'delete-marker', 'copy-version']);
    const [c1, , c3] = steps;
    assert.ok(c1?.kind === 'copy-version' && c3?.kind === 'copy-version');
    assert.deepEqual(c1.source, { key: 'k/obj.txt', etag: 'A1', versionId: v1.versionId });
    assert.equal(c1.multipart, false);
    assert.equal(c3.multipart, true);
    assert.deepEqual(parseMarker(c3.headers['x-oss-meta-crr-origin']), { originBucket: 'src', originTime: 1200, originEtag: 'A3', originVersionId: v3.versionId });
    for (const s of steps) applyStep(s, src, dst, 2000);
    assert.deepEqual(sigs(dst.chain), sigs(src.chain));
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), []);
  });

  it('appends only what is missing', () => {
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    settle(src, dst, r);
    put(src, { etag: 'a2' });
    src.deleteMarker(1300);
    assert.deepEqual(kinds(planVersioned(src.chain, dst.chain, r, copy, trigger)), ['copy-version', 'delete-marker']);
  });

  it('a version copied twice (overlapping reconciles): ALL deletes the surplus copy, PUT leaves it', () => {
    for (const action of ['ALL', 'PUT'] as const) {
      const ra = rule({ action });
      const { src, dst } = keys();
      put(src, { etag: 'a1' });
      const plan1 = planVersioned(src.chain, dst.chain, ra, copy, trigger);
      // Two processors ran the same plan: the destination got the first version twice.
      for (const s of plan1) applyStep(s, src, dst, 2000);
      for (const s of plan1) applyStep(s, src, dst, 2001);
      put(src, { etag: 'a2' }, 1100);
      settle(src, dst, ra);
      if (action === 'ALL') assert.deepEqual(sigs(dst.chain), sigs(src.chain), 'mirrored: the duplicate is gone');
      else assert.equal(dst.chain.length, src.chain.length + 1, 'PUT deletes nothing, not even a duplicate');
      assert.deepEqual(planVersioned(src.chain, dst.chain, ra, copy, trigger), [], 'and then stable');
    }
  });

  it('ALL: a permanently deleted source version is deleted on the destination', () => {
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    const v2 = put(src, { etag: 'a2' });
    put(src, { etag: 'a3' });
    settle(src, dst, r);
    const replica = dst.chain[1]!;
    src.deleteVersion(v2.versionId);
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), [{ kind: 'delete-version', versionId: replica.versionId, reason: 'source-version-gone' }]);
  });

  it('ALL: a permanently deleted source delete marker is deleted on the destination', () => {
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    const dm = src.deleteMarker(1100);
    put(src, { etag: 'a3' });
    settle(src, dst, r);
    const replicaDm = dst.chain[1]!;
    src.deleteVersion(dm.versionId);
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), [{ kind: 'delete-version', versionId: replicaDm.versionId, reason: 'source-delete-marker-gone' }]);
  });

  // Issue 12: OSS under PUT replicates delete markers, and neither replicates a version delete nor writes
  // anything else because of one (this planner re-copied the older version on top, and skipped markers).
  it('PUT: a version deleted on the source is not replicated and causes no write on the destination', () => {
    const p = rule({ action: 'PUT' });
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    const v2 = put(src, { etag: 'a2' });
    settle(src, dst, p);
    const before = sigs(dst.chain);
    src.deleteVersion(v2.versionId); // v1 is the source's latest again
    assert.deepEqual(planVersioned(src.chain, dst.chain, p, copy, trigger), []);
    assert.deepEqual(sigs(dst.chain), before);
    put(src, { etag: 'a3' });
    assert.deepEqual(kinds(planVersioned(src.chain, dst.chain, p, copy, trigger)), ['copy-version'], 'a later write replicates');
  });

  it('PUT: a source delete marker is replicated as a delete marker', () => {
    const p = rule({ action: 'PUT' });
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    src.deleteMarker(1100);
    assert.deepEqual(kinds(planVersioned(src.chain, dst.chain, p, copy, trigger)), ['copy-version', 'delete-marker']);
    settle(src, dst, p);
    assert.equal(dst.chain.length, 2);
    assert.equal(dst.chain[0]!.isDeleteMarker, true);
    src.deleteVersion(src.chain[0]!.versionId); // the marker deleted for good: not replicated under PUT
    assert.deepEqual(planVersioned(src.chain, dst.chain, p, copy, trigger), []);
  });

  it('tags or ACL drifted on a replicated version: update that version', () => {
    const { src, dst } = keys();
    const v1 = put(src, { etag: 'a1', tags: { a: '1' } });
    put(src, { etag: 'a2' });
    settle(src, dst, r);
    v1.state!.tags = {};
    src.chain[0]!.state!.acl = 'private';
    const steps = planVersioned(src.chain, dst.chain, r, copy, trigger);
    assert.deepEqual(steps, [
      { kind: 'update-version', versionId: dst.chain[1]!.versionId, tags: null },
      { kind: 'update-version', versionId: dst.chain[0]!.versionId, acl: 'private' },
    ]);
  });

  it('a user write on the replica is left alone, but the source latest is re-asserted on top', () => {
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    settle(src, dst, r);
    const userWrite = put(dst, { etag: 'u1' }, 5000);
    const steps = planVersioned(src.chain, dst.chain, r, copy, trigger);
    assert.deepEqual(kinds(steps), ['copy-version']);
    for (const s of steps) applyStep(s, src, dst, 6000);
    assert.ok(dst.chain.some((v) => v.versionId === userWrite.versionId));
    assert.equal(sig(dst.chain[0]!), sig(src.chain[0]!));
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), [], 'the re-asserted copy is stable (no ping-pong)');
    put(src, { etag: 'a2' });
    assert.deepEqual(kinds(planVersioned(src.chain, dst.chain, r, copy, trigger)), ['copy-version'], 'and replication goes on after it');
  });

  it('a user write in the middle of the destination chain changes nothing', () => {
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    settle(src, dst, r);
    put(dst, { etag: 'u1' }, 5000);
    put(src, { etag: 'a2' });
    settle(src, dst, r);
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), []);
    assert.equal(dst.chain.length, 3);
  });

  it('a user delete marker on the destination: removed under ALL, left alone under PUT', () => {
    for (const action of ['ALL', 'PUT'] as const) {
      const a = rule({ action });
      const { src, dst } = keys();
      put(src, { etag: 'a1' });
      settle(src, dst, a);
      const userDm = dst.deleteMarker(5000);
      const steps = planVersioned(src.chain, dst.chain, a, copy, trigger);
      if (action === 'ALL') assert.deepEqual(steps, [{ kind: 'delete-version', versionId: userDm.versionId, reason: 'source-delete-marker-gone' }]);
      else assert.deepEqual(steps, []);
      for (const s of steps) applyStep(s, src, dst, 6000);
      assert.deepEqual(planVersioned(src.chain, dst.chain, a, copy, trigger), [], action);
    }
  });

  it('a latest delete marker already mirrored, then repeated on top of a user write: stable', () => {
    const { src, dst } = keys();
    put(src, { etag: 'a1' });
    src.deleteMarker(1100);
    settle(src, dst, r);
    put(dst, { etag: 'u1' }, 5000);
    assert.deepEqual(kinds(planVersioned(src.chain, dst.chain, r, copy, trigger)), ['delete-marker']);
    settle(src, dst, r);
    assert.equal(dst.chain[0]!.isDeleteMarker, true);
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), []);
  });

  it('ALL: source chain gone entirely: replicas and replicated delete markers go, user writes stay', () => {
    const { src, dst } = keys();
    const v1 = put(src, { etag: 'a1' });
    const dm = src.deleteMarker(1100);
    settle(src, dst, r);
    const user = put(dst, { etag: 'u1' }, 5000);
    src.deleteVersion(v1.versionId);
    src.deleteVersion(dm.versionId);
    const steps = planVersioned(src.chain, dst.chain, r, copy, trigger);
    assert.deepEqual(kinds(steps), ['delete-version', 'delete-version']);
    for (const s of steps) applyStep(s, src, dst, 6000);
    assert.deepEqual(dst.chain.map((v) => v.versionId), [user.versionId]);
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), []);
  });

  it('steps come as appends, then updates, then deletes', () => {
    const { src, dst } = keys();
    const v1 = put(src, { etag: 'a1' });
    const v2 = put(src, { etag: 'a2' });
    settle(src, dst, r);
    v1.state!.acl = 'public-read';
    src.deleteVersion(v2.versionId);
    put(src, { etag: 'a3' });
    assert.deepEqual(kinds(planVersioned(src.chain, dst.chain, r, copy, trigger)), ['copy-version', 'update-version', 'delete-version']);
  });

  it('chained A→B→C: versions map through the original origin, and copies keep it', () => {
    const a = new VersionedKey('a');
    const { src: b, dst: c } = keys();
    const ab = rule({ sourceBucket: 'a', destinationBucket: 'src' });
    a.put(obj({ etag: 'x1', lastModified: 10 }));
    a.put(obj({ etag: 'x2', lastModified: 20 }));
    settle(a, b, ab);
    const steps = planVersioned(b.chain, c.chain, r, copy, trigger);
    assert.ok(steps[1]?.kind === 'copy-version');
    assert.deepEqual(parseMarker(steps[1].headers['x-oss-meta-crr-origin']), { originBucket: 'a', originTime: 20, originEtag: 'X2', originVersionId: a.chain[0]!.versionId });
    settle(b, c, r);
    assert.deepEqual(sigs(c.chain), sigs(a.chain));
    assert.equal(markerOf(c.chain[0]!.state!)?.originVersionId, a.chain[0]!.versionId);
  });

  it('a replica made before versioning (marker without version) maps to the source null version by time and etag', () => {
    const { src, dst } = keys();
    src.chain.push({ versionId: 'null', isDeleteMarker: false, isLatest: true, lastModified: 1000, state: obj({ etag: 'a0', versionId: 'null' }) });
    dst.put(obj({ etag: 'a0', userMeta: { 'crr-origin': formatMarker({ originBucket: 'src', originTime: 1000, originEtag: 'A0' }) } }));
    assert.deepEqual(planVersioned(src.chain, dst.chain, r, copy, trigger), []);
  });

  it('refuses input without object states, and two-way rules', () => {
    const { src } = keys();
    put(src);
    const bare = src.chain.map((v) => ({ ...v, state: undefined }));
    assert.throws(() => planVersioned(bare, [], r, copy, trigger), (e: unknown) => e instanceof CrrError && e.code === 'CRR_PLAN_MISSING_STATE' && e.stage === 'plan');
    assert.throws(() => planVersioned(src.chain, [], rule({ twoWay: true }), copy, trigger), (e: unknown) => e instanceof CrrError && e.code === 'CRR_PLAN_UNSUPPORTED');
  });
});

/** Whether `needle` occurs in `hay` in order (not necessarily contiguous). */
function isSubsequence(needle: string[], hay: string[]): boolean {
  let i = 0;
  for (const h of hay) if (i < needle.length && h === needle[i]) i++;
  return i === needle.length;
}
const collapse = (xs: string[]): string[] => xs.filter((x, i) => i === 0 || xs[i - 1] !== x);

describe('versioned one-way convergence (property)', () => {
  for (const action of ['ALL', 'PUT'] as const) {
    for (const tamper of [false, true]) {
      it(`action ${action}${tamper ? ', with writes on the replica' : ''}: random histories and partial plans end mirrored (${SEEDS} seeds)`, () => {
        const r = rule({ action });
        for (let seed = 1; seed <= SEEDS; seed++) {
          const rng = prng(seed * 31 + (action === 'PUT' ? 1 : 0) + (tamper ? 2 : 0));
          const { src, dst } = keys();
          let now = 1_000;
          for (let i = 0; i < 30; i++) {
            now += 1000;
            const roll = rng.next();
            const objects = src.chain.filter((v) => !v.isDeleteMarker);
            if (roll < 0.3) src.put(randomWrite(rng, 'k', now));
            else if (roll < 0.4) src.deleteMarker(now);
            else if (roll < 0.48 && src.chain.length) src.deleteVersion(rng.pick(src.chain).versionId);
            else if (roll < 0.56 && objects.length) {
              const v = rng.pick(objects);
              v.state = rng.chance(0.5) ? randomTags(rng, v.state!) : randomAcl(rng, v.state!);
            } else if (roll < 0.64 && tamper) {
              if (rng.chance(0.6)) dst.put(randomWrite(rng, 'k', now));
              else dst.deleteMarker(now);
            } else {
              // a reconcile, possibly interrupted part-way
              const steps = planVersioned(src.chain, dst.chain, r, copy, trigger);
              const upto = rng.chance(0.3) ? rng.int(steps.length + 1) : steps.length;
              for (const s of steps.slice(0, upto)) applyStep(s, src, dst, now);
            }
          }
          const ctx = (): string => `seed ${seed}\nsrc ${JSON.stringify(sigs(src.chain))}\ndst ${JSON.stringify(sigs(dst.chain))}`;
          const rounds = settle(src, dst, r, now + 1000);
          assert.ok(rounds <= 1, `one full reconcile must reach the fixed point, took ${rounds}: ${ctx()}`);
          const replicas = [...dst.chain].reverse().filter((v) => v.isDeleteMarker || markerOf(v.state!));
          if (action === 'ALL') {
            if (!tamper) {
              assert.deepEqual(sigs(dst.chain), sigs(src.chain), ctx());
              // and each replica names its own source version
              const srcIds = [...src.chain].reverse().map((v) => v.versionId);
              [...dst.chain].reverse().forEach((v, i) => { if (!v.isDeleteMarker) assert.equal(markerOf(v.state!)?.originVersionId, srcIds[i], ctx()); });
            } else {
              assert.deepEqual(collapse(replicas.map(sig)), collapse(sigs(src.chain)), ctx());
            }
            if (src.chain.length) assert.equal(sig(dst.chain[0]!), sig(src.chain[0]!), `latest ${ctx()}`);
          } else {
            // PUT: every source entry (delete markers too) is on the destination in order; what the source
            // deleted for good may stay. The destination's latest is the source's, unless it is such a retained
            // entry (a version the source deleted, or any delete marker).
            assert.ok(isSubsequence(collapse(sigs(src.chain)), collapse(replicas.map(sig))), ctx());
            const top = dst.chain[0];
            const srcIds = new Set(src.chain.map((v) => v.versionId));
            const retained = top !== undefined && (top.isDeleteMarker || !srcIds.has(markerOf(top.state!)?.originVersionId ?? ''));
            if (src.chain.length && !retained) assert.equal(sig(top!), sig(src.chain[0]!), `latest ${ctx()}`);
          }
        }
      });
    }
  }
});
