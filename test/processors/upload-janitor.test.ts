// Issue 12 item 7 (the janitor bullet) and issue 15 item 3: the janitor aborts only uploads this tool recorded,
// under its rules' prefixes, that nobody has written for the lease. Before, it aborted every upload older
// than the age limit on the whole bucket: here that would have taken all five.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../core/logging.ts';
import { abortLeftUploads } from '../../processors/reconcile/copy-object.ts';
import { abortAbandonedUploads, startUploadJanitor, type JanitorTarget } from '../../processors/upload-janitor.ts';
import type { UploadLeases } from '../../processors/upload-leases.ts';
import { fakeRegistry } from '../helpers/upload-registry.ts';
import { bytes, startStoreFixture, type StoreFixture } from '../integration/oss-adapter/fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const quiet = createLogger('test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
const LEASE_MS = 2000;
const part = bytes(100 * 1024, 3);

test('a user\'s upload, one outside the rule\'s prefixes and a live copy\'s survive; an abandoned copy\'s is aborted', async () => {
  const bucket = await f.bucket();
  const registry = fakeRegistry();
  const crashed = registry.member('crashed', LEASE_MS); // started uploads, then died
  const copier = registry.member('copier', LEASE_MS); // another process, copying right now
  const janitor = registry.member('janitor', LEASE_MS);
  // An upload with one part; `recordedBy` records it as a copy of that member does (`named`: false when
  // the member died between recording the copy and naming its upload).
  const start = async (key: string, recordedBy?: UploadLeases, named = true) => {
    const ticket = await recordedBy?.begin({ bucket, key, rule: 'r' });
    const uploadId = await f.store.initiateMultipart(bucket, key, {});
    await f.store.uploadPart(bucket, key, uploadId, 1, part, part.length);
    if (ticket && named) await recordedBy!.initiated(ticket, uploadId);
    if (ticket && recordedBy === crashed) crashed.stopped(ticket); // it died: nothing of it writes any more
    return uploadId;
  };
  const user = await start('data/user.bin');
  const outside = await start('other/left.bin', crashed);
  const live = await start('data/live.bin', copier);
  const left = await start('data/left.bin', crashed);
  const unnamed = await start('data/unnamed.bin', crashed, false);
  // Every upload is now older than the lease by its initiation; the live copy keeps writing parts.
  await new Promise((r) => setTimeout(r, LEASE_MS + 1200));
  await f.store.uploadPart(bucket, 'data/live.bin', live, 2, part, part.length);

  const target = { store: f.store, bucket, prefixes: ['data/'] };
  assert.equal(await abortAbandonedUploads([target], janitor, Date.now(), quiet), 2, 'the abandoned uploads, named or not, are aborted');
  // The key's own cleanup, from yet another process, leaves the live copy alone too.
  await abortLeftUploads({ destination: f.store, destinationBucket: bucket, uploads: { leases: janitor, rule: 'r' } }, 'data/live.bin');
  const remaining = (await f.store.listMultipartUploads(bucket)).map((u) => u.uploadId).sort();
  assert.deepEqual(remaining, [user, outside, live].sort(), 'the user\'s, the outside and the live upload are left');
  assert.ok(!remaining.includes(left) && !remaining.includes(unnamed));
  const tombstoned = new Set(registry.log.filter((r) => r.value === null).map((r) => r.key));
  assert.equal(tombstoned.size, 2, 'the aborted uploads\' records are tombstoned');

  // Once the copy (in another process) writes no part for the lease, its upload is abandoned in turn.
  await new Promise((r) => setTimeout(r, LEASE_MS + 1200));
  assert.equal(await abortAbandonedUploads([target], janitor, Date.now(), quiet), 1);
  assert.deepEqual((await f.store.listMultipartUploads(bucket)).map((u) => u.uploadId).sort(), [user, outside].sort());
});

test('the janitor sweeps the live rules\' destinations: a destination added after it started is swept, a removed one no more', async () => {
  const listed: string[] = [];
  const store = { listMultipartUploads: async (bucket: string) => { listed.push(bucket); return []; } } as unknown as JanitorTarget['store'];
  const leases = { refresh: async () => {}, recordOf: () => undefined, abortIfAbandoned: async () => false, recordsOf: () => [], leaseMs: LEASE_MS } as unknown as UploadLeases;
  let targets: JanitorTarget[] = [{ store, bucket: 'dst-a', prefixes: [] }];
  const janitor = startUploadJanitor(() => targets, { leases, intervalMs: 20, logger: quiet });
  const sweptSince = async (from: number, bucket: string) => {
    for (let i = 0; i < 100 && !listed.slice(from).includes(bucket); i++) await new Promise((r) => setTimeout(r, 20));
    return listed.slice(from).includes(bucket);
  };
  try {
    assert.ok(await sweptSince(0, 'dst-a'));
    targets = [{ store, bucket: 'dst-b', prefixes: [] }]; // rule a deleted, rule b applied on the rules topic
    await new Promise((r) => setTimeout(r, 60)); // a sweep under way may still list dst-a
    const from = listed.length;
    assert.ok(await sweptSince(from, 'dst-b'), 'the new rule\'s destination is swept');
    assert.ok(!listed.slice(from).includes('dst-a'), 'the deleted rule\'s destination is not');
  } finally {
    janitor.stop();
  }
});
