// The planner's pure parts: the merge-join in OSS's byte order, what each joined key becomes, the job's
// life cycle, exact done counting, and a whole plan over in-memory listings resumed from its cursor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ListedObject, ObjectStore } from '../../../core/ports/object-store.ts';
import { decide } from '../../../producers/backfill/decide.ts';
import { DoneCounter } from '../../../producers/backfill/done-counter.ts';
import { doneCount, newJob, progressRatio, settle } from '../../../producers/backfill/job.ts';
import { byteOrder, mergeJoin, mergeJoinPages } from '../../../core/listing-merge-join.ts';
import { planJob } from '../../../producers/backfill/planner.ts';
import type { BackfillJob, BackfillTask } from '../../../schemas/types.ts';

const obj = (key: string, etag = 'e', size = 1, extra: Partial<ListedObject> = {}): ListedObject => ({ key, etag, size, lastModified: 0, ...extra });

async function* pages(objs: ListedObject[], per = 2): AsyncGenerator<ListedObject[]> {
  for (let i = 0; i < objs.length; i += per) yield objs.slice(i, i + per);
}

test('byte order: a key above U+FFFF sorts after U+FFFD in UTF-8 bytes, though before it in UTF-16', () => {
  assert.ok('z😀' < 'z\uFFFD', 'UTF-16 order');
  assert.ok(byteOrder('z😀', 'z\uFFFD') > 0, 'byte order');
  assert.ok(byteOrder('a b', 'a+b') < 0 && byteOrder('a%', 'a+') < 0);
});

test('byte order equals Buffer.compare of the UTF-8 bytes on random keys mixing ASCII, BMP, U+E000..U+FFFF and astral characters', () => {
  const chars = ['a', 'z', ' ', '%', '+', '/', '\u00e9', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\ufffd', '\uffff', '😀', '\u{10000}', '\u{10ffff}'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const mk = () => Array.from({ length: 1 + rnd(4) }, () => chars[rnd(chars.length)]).join('');
  for (let i = 0; i < 5_000; i++) {
    const [a, b] = [mk(), mk()];
    assert.equal(Math.sign(byteOrder(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), JSON.stringify([a, b]));
  }
});

test('merge-join pairs keys of both sides in byte order, in constant memory per key', async () => {
  const src = ['a', 'a b', 'z\uFFFD', 'z😀'].map((k) => obj(k));
  const dst = ['a b', 'b-only', 'z😀'].map((k) => obj(k));
  const out = [];
  for await (const j of mergeJoin(pages(src), pages(dst))) out.push([j.key, Boolean(j.source), Boolean(j.destination)]);
  assert.deepEqual(out, [['a', true, false], ['a b', true, true], ['b-only', false, true], ['z\uFFFD', true, false], ['z😀', true, true]]);
});

test('merge-join by batches equals a join of the whole listings, with versions of a key split across pages of any size', async () => {
  let seed = 7;
  const r = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const side = (names: string[]) => names.filter(() => r() < 0.7).flatMap((k) => Array.from({ length: 1 + Math.floor(r() * 3) }, (_, v) => obj(k, `e${v}`)));
  const split = async function* (objs: ListedObject[]) {
    for (let i = 0; i < objs.length;) {
      const n = 1 + Math.floor(r() * 4);
      yield objs.slice(i, i + n);
      i += n;
    }
  };
  for (let round = 0; round < 30; round++) {
    const names = [...new Set(Array.from({ length: 40 }, () => String.fromCodePoint(0x61 + Math.floor(r() * 3), [0x7a, 0xfffd, 0x1f600][Math.floor(r() * 3)]!) + Math.floor(r() * 5)))]
      .sort(byteOrder);
    const [src, dst] = [side(names), side(names)];
    const want = names.flatMap((k) => {
      const s = src.filter((o) => o.key === k);
      const d = dst.filter((o) => o.key === k);
      return s.length || d.length ? [{ key: k, source: s.length ? s : undefined, destination: d.length ? d : undefined }] : [];
    });
    const got = [];
    let batches = 0;
    for await (const batch of mergeJoinPages(split(src), split(dst))) {
      assert.ok(batch.length > 0);
      batches++;
      got.push(...batch);
    }
    assert.deepEqual(got, want, `round ${round}`);
    assert.ok(batches <= src.length + dst.length);
  }
});

test('decide: listing compare by etag and size; full compares nothing; destination-only keys by action', () => {
  const o = { compare: 'LISTING' as const, action: 'ALL' as const, versioned: false };
  assert.equal(decide({ key: 'k', source: [obj('k', 'ABC', 3)], destination: [obj('k', 'abc', 3)] }, o), 'in-sync');
  assert.equal(decide({ key: 'k', source: [obj('k', 'abc', 3)], destination: [obj('k', 'abc', 4)] }, o), 'task');
  assert.equal(decide({ key: 'k', source: [obj('k', 'abc', 3)], destination: [obj('k', 'abd', 3)] }, o), 'task');
  assert.equal(decide({ key: 'k', source: [obj('k')] }, o), 'task');
  assert.equal(decide({ key: 'k', source: [obj('k')], destination: [obj('k')] }, { ...o, compare: 'FULL' }), 'task');
  assert.equal(decide({ key: 'k', destination: [obj('k')] }, o), 'task', 'ALL deletes what only the destination has');
  assert.equal(decide({ key: 'k', destination: [obj('k')] }, { ...o, action: 'PUT' }), 'in-sync', 'PUT keeps it');
  const v = { ...o, versioned: true };
  const chain = [obj('k', '', 0, { isDeleteMarker: true, versionId: '3' }), obj('k', 'b', 1, { versionId: '2' }), obj('k', 'a', 1, { versionId: '1' })];
  assert.equal(decide({ key: 'k', source: chain, destination: chain.map((c) => ({ ...c, versionId: `d${c.versionId}` })) }, v), 'in-sync');
  assert.equal(decide({ key: 'k', source: chain, destination: chain.slice(1) }, v), 'task', 'a missing delete marker');
});

test('done counting: a repeated seq counts once, by the kind its first record says', () => {
  const c = new DoneCounter();
  const d = (seq: number, result: 'COPIED' | 'SKIPPED') => ({ jobId: 'j', seq, result, bytes: result === 'COPIED' ? 10 : 0, completedAt: 0 });
  assert.equal(c.add(d(0, 'COPIED')), true);
  assert.equal(c.add(d(0, 'SKIPPED')), false);
  assert.equal(c.add(d(70_000, 'SKIPPED')), true);
  assert.deepEqual(c.countsOf('j'), { copied: 1, deleted: 0, updated: 0, skipped: 1, deadLettered: 0, bytesCopied: 10 });
});

test('done counting: a dead-lettered seq done later (its letter replayed) moves to that result, once; done never exceeds published', () => {
  const c = new DoneCounter();
  const d = (seq: number, result: 'COPIED' | 'DEAD_LETTERED') => ({ jobId: 'j', seq, result, bytes: result === 'COPIED' ? 10 : 0, completedAt: 0 });
  for (const seq of [0, 1, 2]) c.add(d(seq, seq === 0 ? 'COPIED' : 'DEAD_LETTERED'));
  assert.deepEqual(c.countsOf('j'), { copied: 1, deleted: 0, updated: 0, skipped: 0, deadLettered: 2, bytesCopied: 10 });
  assert.equal(c.add(d(1, 'DEAD_LETTERED')), false, 'dead-lettered again: still one count');
  assert.equal(c.add(d(1, 'COPIED')), true, 'the replay copied it');
  assert.equal(c.add(d(1, 'COPIED')), false, 'a repeat of the replay counts nothing');
  assert.equal(c.add(d(0, 'DEAD_LETTERED')), false, 'a done seq is never dead-lettered after');
  assert.deepEqual(c.countsOf('j'), { copied: 2, deleted: 0, updated: 0, skipped: 0, deadLettered: 1, bytesCopied: 20 });
  assert.equal(doneCount(c.countsOf('j')), 3, 'three seqs, three counts');
});

test('job life cycle: DONE at done = total; pause, resume and cancel by the newest request', () => {
  const base: BackfillJob = { ...newJob({ jobId: 'j', ruleId: 'r', prefix: null, compare: 'LISTING', now: 1 }), state: 'LISTED', total: 4, published: 4, inSync: 6, listed: 10 };
  assert.equal(settle({ ...base, copied: 3 }, 2).state, 'LISTED');
  assert.equal(progressRatio({ ...base, copied: 3 }), 0.9);
  const done = settle({ ...base, copied: 3, skipped: 1 }, 2);
  assert.deepEqual([done.state, done.completedAt, doneCount(done), progressRatio(done)], ['DONE', 2, 4, 1]);
  assert.equal(settle({ ...base, request: 'PAUSE' }, 2).state, 'PAUSED');
  assert.equal(settle({ ...base, state: 'PAUSED', request: 'RESUME' }, 2).state, 'LISTED');
  assert.equal(settle({ ...base, state: 'PAUSED', total: null, request: 'RESUME' }, 2).state, 'PLANNING');
  const cancelled = settle({ ...base, state: 'PLANNING', total: null, published: 2, request: 'CANCEL' }, 2);
  assert.deepEqual([cancelled.state, cancelled.total, cancelled.completedAt], ['CANCELLED', 2, null]);
  assert.equal(settle({ ...cancelled, skipped: 2 }, 3).completedAt, 3);
});

function fakeStore(objs: ListedObject[]): ObjectStore {
  const sorted = [...objs].sort((a, b) => byteOrder(a.key, b.key));
  return {
    listObjects: (_b: string, o: { prefix?: string; startAfter?: string } = {}) =>
      pages(sorted.filter((x) => x.key.startsWith(o.prefix ?? '') && (o.startAfter === undefined || byteOrder(x.key, o.startAfter) > 0)), 3),
  } as unknown as ObjectStore;
}

test('a plan stopped after a page and resumed from its cursor publishes every needed key once, with seqs 0..n-1', async () => {
  const keys = Array.from({ length: 23 }, (_, i) => `p/${String(i).padStart(2, '0')}`);
  const source = fakeStore([...keys.map((k) => obj(k)), obj('other/x')]);
  const destination = fakeStore([...keys.filter((_, i) => i % 3 === 0).map((k) => obj(k)), obj('p/zz-only')]);
  let job: BackfillJob = { ...newJob({ jobId: 'j', ruleId: 'r', prefix: null, compare: 'LISTING', now: 1 }) };
  const published: BackfillTask[] = [];
  const run = (stopAfter: number) => {
    let pagesSeen = 0;
    return planJob({
      rule: { id: 'r', action: 'ALL', prefixes: ['p/'], source: { bucket: 's' }, destination: { bucket: 'd' } }, source, destination, versioned: false, pageKeys: 5,
      current: () => job, commitPage: async (tasks, next) => { published.push(...tasks); job = next; pagesSeen++; }, shouldStop: () => pagesSeen >= stopAfter,
    });
  };
  assert.equal(await run(2), 'stopped');
  assert.equal(job.listingMarker, 'p/09');
  assert.equal(await run(Infinity), 'listed');
  assert.equal(job.state, 'LISTED');
  assert.equal(job.listed, 24, '23 source keys under the prefix and one destination-only key');
  assert.equal(job.inSync, 8);
  assert.equal(job.published, 16);
  assert.equal(job.total, 16);
  assert.equal(job.listingMarker, null);
  assert.deepEqual(published.map((t) => t.seq), Array.from({ length: 16 }, (_, i) => i));
  assert.equal(new Set(published.map((t) => t.key)).size, 16);
  assert.ok(published.some((t) => t.key === 'p/zz-only' && t.etag === null));
});

test('a page commits while the next is listed, one commit at a time, and a failed listing returns only once its last commit settled', async () => {
  const keys = Array.from({ length: 20 }, (_, i) => `k/${String(i).padStart(2, '0')}`);
  const listedDuringCommit: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const failing = (failAt: number): ObjectStore => ({
    async *listObjects(_b: string, o: { startAfter?: string } = {}) {
      const from = o.startAfter === undefined ? 0 : keys.indexOf(o.startAfter) + 1;
      for (let i = from; i < keys.length; i += 2) {
        if (i >= failAt) throw new Error('listing broke');
        if (inFlight) listedDuringCommit.push(keys[i]!);
        yield keys.slice(i, i + 2).map((k) => obj(k));
      }
    },
  } as unknown as ObjectStore);
  let job: BackfillJob = newJob({ jobId: 'j', ruleId: 'r', prefix: null, compare: 'LISTING', now: 1 });
  const pagesCommitted: number[] = [];
  const plan = (failAt: number) => planJob({
    rule: { id: 'r', action: 'ALL', prefixes: [], source: { bucket: 's' }, destination: { bucket: 'd' } }, source: failing(failAt), destination: failing(Infinity),
    versioned: false, pageKeys: 4, inSyncPageFactor: 1, current: () => job, shouldStop: () => false,
    commitPage: async (_tasks, next) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      assert.equal(next.pages, job.pages + 1, 'each page is built on the job its predecessor committed');
      await new Promise((r) => setTimeout(r, 15));
      job = next;
      pagesCommitted.push(next.pages);
      inFlight--;
    },
  });
  await assert.rejects(plan(14), /listing broke/);
  assert.equal(inFlight, 0, 'no commit still running when the planner gave up');
  assert.equal(job.listingMarker, 'k/11', 'the cursor of the last whole page (keys 0..11 in three pages)');
  assert.ok(listedDuringCommit.length > 0, 'listing went on while a page committed');
  assert.equal(await plan(Infinity), 'listed');
  assert.deepEqual(pagesCommitted, [1, 2, 3, 4, 5, 6]);
  assert.equal(maxInFlight, 1);
  assert.deepEqual([job.listed, job.inSync, job.published, job.listingMarker], [20, 20, 0, null]);
});

test('a page of keys all in sync grows to pageKeys x the factor before it commits; a page with a task commits at pageKeys', async () => {
  const keys = Array.from({ length: 120 }, (_, i) => `k/${String(i).padStart(3, '0')}`);
  const different = new Set(['k/105']);
  const source = fakeStore(keys.map((k) => obj(k)));
  const destination = fakeStore(keys.map((k) => (different.has(k) ? obj(k, 'other') : obj(k))));
  let job: BackfillJob = newJob({ jobId: 'j', ruleId: 'r', prefix: null, compare: 'LISTING', now: 1 });
  const pages: { listed: number; tasks: number; marker: string | null }[] = [];
  const result = await planJob({
    rule: { id: 'r', action: 'ALL', prefixes: [], source: { bucket: 's' }, destination: { bucket: 'd' } }, source, destination, versioned: false,
    pageKeys: 5, inSyncPageFactor: 10, now: () => 0, current: () => job, shouldStop: () => false,
    commitPage: async (tasks, next) => { pages.push({ listed: next.listed - job.listed, tasks: tasks.length, marker: next.listingMarker }); job = next; },
  });
  assert.equal(result, 'listed');
  // 50 in sync, 50 in sync, then k/100..k/104 in sync and k/105 a task: that page commits at 5 keys past 100.
  assert.deepEqual(pages, [
    { listed: 50, tasks: 0, marker: 'k/049' },
    { listed: 50, tasks: 0, marker: 'k/099' },
    { listed: 6, tasks: 1, marker: 'k/105' },
    { listed: 14, tasks: 0, marker: null },
  ]);
  assert.deepEqual([job.listed, job.inSync, job.published], [120, 119, 1]);
});

test('the backfill gauges follow the job record: objects listed, completed, ratio, running', async () => {
  const { Registry } = await import('prom-client');
  const { createMetrics } = await import('../../../core/metrics/metrics.ts');
  const { setJobGauges } = await import('../../../producers/backfill/job-gauges.ts');
  const metrics = createMetrics(new Registry());
  const value = async (g: { get(): Promise<{ values: { value: number }[] }> }) => (await g.get()).values[0]?.value;
  const job: BackfillJob = { ...newJob({ jobId: 'j', ruleId: 'r', prefix: null, compare: 'LISTING', now: 1 }), state: 'LISTED', total: 30, published: 30, inSync: 70, listed: 100, copied: 20, skipped: 5 };
  setJobGauges(metrics, job);
  assert.deepEqual([await value(metrics.backfillTotal), await value(metrics.backfillCompleted), await value(metrics.backfillProgress), await value(metrics.backfillRunning)],
    [100, 95, 0.95, 1]);
  setJobGauges(metrics, { ...job, state: 'PAUSED' });
  assert.equal(await value(metrics.backfillRunning), 0);
});

test('job rows: percent, objects and bytes per second since the start, ETA at that rate', async () => {
  const { jobRow } = await import('../../../producers/backfill/job-rows.ts');
  const base: BackfillJob = { ...newJob({ jobId: 'j', ruleId: 'r', prefix: null, compare: 'LISTING', now: 0 }), state: 'LISTED', listed: 1000, inSync: 200, published: 800,
    total: 800, copied: 300, bytesCopied: 300 * 4096, updatedAt: 9_000 };
  const row = jobRow(base, 10_000);
  assert.deepEqual([row.percent, row.completed, row.done, row.objectsPerSecond, row.bytesPerSecond, row.etaSeconds], [50, 500, 300, 50, 122_880, 10]);
  assert.equal(jobRow({ ...base, state: 'PLANNING', total: null }, 10_000).percent, null);
  assert.equal(jobRow({ ...base, state: 'PLANNING', total: null }, 10_000).etaSeconds, null);
  const done = jobRow({ ...base, state: 'DONE', copied: 800, completedAt: 20_000 }, 99_000);
  assert.deepEqual([done.percent, done.objectsPerSecond, done.etaSeconds], [100, 50, null], 'a finished job keeps the rate it had');
});
