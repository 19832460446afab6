// Property tests of unversioned reconcile: random writes, deletes and attribute changes, random subsets
// and interleavings of reconcile triggers; the two sides must end equal, and stay put.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { differences } from '../../../processors/reconcile/in-sync.ts';
import { planUnversioned } from '../../../processors/reconcile/plan.ts';
import type { ObjectState, Plan, RuleView, Trigger } from '../../../processors/reconcile/types.ts';
import { applyPlan, prng } from './bucket-model.ts';
import { copy, rule, reverse } from './fixtures.ts';
import { randomAcl, randomMetaChange, randomTags, randomWrite } from './random-writes.ts';

const KEY = 'p/key';
const SEEDS = Number(process.env.CRR_PROPERTY_SEEDS ?? 400);

function equalOrBothAbsent(a: ObjectState | null, b: ObjectState | null): boolean {
  if (!a || !b) return a === b;
  return differences(a, b).length === 0;
}

type Op = 'put' | 'meta' | 'tags' | 'acl' | 'delete';
/** One user operation on a bucket's copy of the key; undefined when it does not apply (absent object). */
function userOp(rng: ReturnType<typeof prng>, s: ObjectState | null, now: number): { op: Op; next: ObjectState | null } | undefined {
  const op = rng.pick<Op>(['put', 'put', 'meta', 'tags', 'acl', 'delete']);
  if (op === 'put') return { op, next: randomWrite(rng, KEY, now) };
  if (!s) return undefined;
  if (op === 'meta') return { op, next: randomMetaChange(rng, s, now) };
  if (op === 'tags') return { op, next: randomTags(rng, s) };
  if (op === 'acl') return { op, next: randomAcl(rng, s) };
  return { op, next: null };
}

describe('one-way convergence (property)', () => {
  for (const action of ['ALL', 'PUT'] as const) {
    it(`action ${action}: after any history, one reconcile makes the destination equal and the next one skips (${SEEDS} seeds)`, () => {
      const r = rule({ action });
      for (let seed = 1; seed <= SEEDS; seed++) {
        const rng = prng(seed);
        let src: ObjectState | null = null;
        let dst: ObjectState | null = null;
        let now = 1_000;
        const pending: Trigger[] = [];
        for (let i = 0; i < 30; i++) {
          now += rng.int(3) * 1000;
          const roll = rng.next();
          if (roll < 0.45) {
            const o = userOp(rng, src, now);
            if (!o) continue;
            src = o.next;
            // a random subset of events is delivered, possibly late and out of order
            if (rng.chance(0.7)) pending.push({ kind: 'REALTIME', operation: o.op, eventTime: now });
          } else if (roll < 0.55) {
            const o = userOp(rng, dst, now); // someone writes on the replica
            if (o) dst = o.next;
          } else if (pending.length) {
            const trigger = pending.splice(rng.int(pending.length), 1)[0]!;
            dst = applyPlan(planUnversioned(src, dst, r, copy, trigger), src, dst, now);
          }
        }
        const before = dst;
        const final = planUnversioned(src, dst, r, copy, { kind: 'REPAIR' });
        dst = applyPlan(final, src, dst, now + 1);
        const ctx = `seed ${seed}: ${JSON.stringify({ src, before, final })}`;
        if (src || action === 'ALL') assert.ok(equalOrBothAbsent(src, dst), ctx);
        else assert.equal(dst, before, ctx); // PUT never deletes
        const again = planUnversioned(src, dst, r, copy, { kind: 'REPAIR' });
        assert.equal(again.kind, 'skip', ctx);
      }
    });
  }
});

describe('two-way convergence (property)', () => {
  const ab = rule({ id: 'ab', sourceBucket: 'bucket-a', destinationBucket: 'bucket-b', twoWay: true });
  const ba = reverse(ab);
  const other = (r: RuleView): RuleView => (r === ab ? ba : ab);

  // concurrent: a reconcile may read both sides, then apply its plan several steps later (two processors
  // working at once). Copies are pinned to the source etag and in-place updates to the destination etag;
  // a failed precondition reconciles again, as the applier does.
  for (const concurrent of [false, true]) {
    it(`A⇄B${concurrent ? ' with stale plans in flight' : ''}: random writes on both sides converge to equal sides, bounded (${SEEDS} seeds)`, () => {
      let maxDrain = 0;
      let lwwChecked = 0;
      const reasons = new Map<string, number>();
      for (let seed = 1; seed <= SEEDS; seed++) {
        const rng = prng(seed * 7919 + (concurrent ? 1 : 0));
        const state: Record<string, ObjectState | null> = { [ab.sourceBucket]: null, [ba.sourceBucket]: null };
        const pending: { rule: RuleView; trigger: Trigger }[] = [];
        const inFlight: { rule: RuleView; plan: Plan }[] = [];
        let now = 1_000;
        let lastWrite: { state: ObjectState; time: number } | undefined;
        let latestOpTime = 0;
        let opsAtLatest = 0;
        const log: string[] = [];

        const apply = (r: RuleView, plan: Plan): void => {
          try {
            state[r.destinationBucket] = applyPlan(plan, state[r.sourceBucket]!, state[r.destinationBucket]!, now);
          } catch {
            log.push(`${r.id} 412, reconcile again`);
            pending.push({ rule: r, trigger: { kind: 'REPLAY' } });
            return;
          }
          // Every change on the destination is an event there, for the opposite rule (the echo).
          if (plan.kind !== 'skip') pending.push({ rule: other(r), trigger: { kind: 'REALTIME', operation: plan.kind, eventTime: now } });
        };
        const reconcile = (): void => {
          const { rule: r, trigger } = pending.splice(rng.int(pending.length), 1)[0]!;
          const plan = planUnversioned(state[r.sourceBucket]!, state[r.destinationBucket]!, r, copy, trigger);
          const reason = plan.kind === 'skip' ? `skip ${plan.reason}` : plan.kind;
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          log.push(`${r.id} ${JSON.stringify(trigger)} -> ${reason}`);
          // Runner contract: a skip that leaves a difference hands the key to the opposite rule.
          if (plan.kind === 'skip' && plan.differences?.length) pending.push({ rule: other(r), trigger: { kind: 'REPAIR' } });
          if (plan.kind === 'skip') return;
          if (concurrent && rng.chance(0.4)) inFlight.push({ rule: r, plan });
          else apply(r, plan);
        };
        const work = (): void => {
          if (inFlight.length && (!pending.length || rng.chance(0.5))) {
            const f = inFlight.splice(rng.int(inFlight.length), 1)[0]!;
            log.push(`${f.rule.id} applies a stale ${f.plan.kind}`);
            apply(f.rule, f.plan);
          } else {
            reconcile();
          }
        };

        for (let i = 0; i < 40; i++) {
          if (rng.chance(0.5)) {
            now += rng.int(2) * 1000; // OSS times have one-second resolution: ties happen
            const bucket = rng.pick([ab.sourceBucket, ba.sourceBucket]);
            const o = userOp(rng, state[bucket]!, now);
            if (!o) continue;
            state[bucket] = o.next;
            log.push(`user ${o.op} on ${bucket} at ${now}`);
            opsAtLatest = now === latestOpTime ? opsAtLatest + 1 : 1;
            latestOpTime = now;
            lastWrite = o.op === 'put' || o.op === 'meta' ? { state: o.next!, time: now } : undefined;
            pending.push({ rule: bucket === ab.sourceBucket ? ab : ba, trigger: { kind: 'REALTIME', operation: o.op, eventTime: now } });
          } else if (pending.length || inFlight.length) {
            work();
          }
        }
        let drained = 0;
        while (pending.length || inFlight.length) {
          work();
          drained++;
          assert.ok(drained < 300, `seed ${seed}: no fixed point after 300 steps (ping-pong)\n${log.slice(-40).join('\n')}`);
        }
        maxDrain = Math.max(maxDrain, drained);
        const a = state[ab.sourceBucket]!;
        const b = state[ba.sourceBucket]!;
        const ctx = `seed ${seed}: ${JSON.stringify({ a, b })}\n${log.join('\n')}`;
        assert.ok(equalOrBothAbsent(a, b), ctx);
        // fixed point: every reconcile, in either direction, with any trigger, is a skip
        for (const r of [ab, ba]) {
          for (const trigger of [{ kind: 'REPAIR' }, { kind: 'REALTIME', eventTime: now }] as Trigger[]) {
            assert.equal(planUnversioned(state[r.sourceBucket]!, state[r.destinationBucket]!, r, copy, trigger).kind, 'skip', ctx);
          }
        }
        // Last writer wins: when the newest user operation is a write, strictly newer than every other
        // one, both sides end holding that write. Not with stale plans: a PUT on OSS cannot be made
        // conditional on the destination, so a copy planned before a destination write may land after it.
        if (!concurrent && lastWrite && lastWrite.time === latestOpTime && opsAtLatest === 1) {
          lwwChecked++;
          assert.ok(a && differences(a, lastWrite.state).length === 0, `LWW ${ctx}`);
        }
      }
      // the histories did exercise the rules
      for (const r of ['copy', 'update', 'delete', 'skip echo', 'skip destination-newer', 'skip in-sync', 'skip both-absent']) assert.ok(reasons.get(r), `${r} never planned`);
      if (!concurrent) assert.ok(lwwChecked > SEEDS / 10, `LWW checked only ${lwwChecked} times`);
      assert.ok(maxDrain < 300);
    });
  }
});
