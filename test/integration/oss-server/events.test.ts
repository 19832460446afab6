// Conformance: every change reaches a webhook as an OSS EventBridge event, in commit order, at least once
// (retried through receiver failures), with the token, and in the JSON-lines event log. An event the receiver
// refuses (4xx) or keeps failing (5xx past the retry policy) is parked, as EventBridge's dead-letter queue
// keeps it, and delays the events behind it by no more than its bounded retry. An unavailable receiver (503:
// Kafka down behind it) parks nothing: the queue waits in order, is logged and shown past a bound, and drains.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startTestOss, uniqueBucket, type Listed, type TestOss } from '../../helpers/oss.ts';
import { DEFAULT_WEBHOOK_RETRY, type ParkedEvent } from '../../../deploy/local/oss/events/webhook-queue.ts';

interface Ev { id: string; type: string; source: string; specversion: string; subject: string; aliyunregionid: string; aliyunaccountid: string;
  data: { eventName: string; region: string; userIdentity: { principalId: string }; responseElements: { requestId: string };
    oss: { bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string; versionId?: string; deltaSize: number } } } }

let receiver: Server;
let received: Ev[] = [];
let failNext = 0;
/** The status of the failNext answers: a 5xx the queue retries within its policy, or 503 (unavailable: retried on). */
let failStatus = 500;
/** Keys the receiver refuses (422 for any batch holding one), as a receiver refuses an unknown bucket. */
const refusedKeys = new Set<string>();
/** Keys the receiver fails on every time (500 for any batch holding one), as it did on a size of 1.5. */
const failingKeys = new Set<string>();
/** Every POST as the keys it carried and the status answered, in order. */
let posts: { keys: string[]; status: number }[] = [];
let auths = new Set<string>();
let oss: TestOss;
const logFile = join(tmpdir(), `oss-events-${randomBytes(4).toString('hex')}.jsonl`);

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      auths.add(req.headers.authorization ?? '');
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Ev[];
      const answer = (status: number, body = '') => {
        posts.push({ keys: batch.map((e) => e.data.oss.object.key), status });
        res.writeHead(status).end(body);
      };
      if (failNext > 0) {
        failNext--;
        return answer(failStatus);
      }
      assert.ok(Array.isArray(batch) && batch.length >= 1 && batch.length <= 500);
      if (batch.some((e) => refusedKeys.has(e.data.oss.object.key))) return answer(422, '{"error":"unknown_bucket"}');
      if (batch.some((e) => failingKeys.has(e.data.oss.object.key))) return answer(500, '{"error":"internal"}');
      received.push(...batch);
      answer(200);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  oss = await startTestOss({ webhooks: [{ url, token: 'hook-token' }], eventLogFile: logFile, principalId: 'alice' });
});
after(async () => {
  await oss.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
});

async function waitFor(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out; have ${received.length} events`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('every kind of change is posted as an EventBridge event, in order', async () => {
  received = [];
  auths = new Set();
  const name = uniqueBucket('ev');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  const put = await c.put('a/k 1', Buffer.from('hello'));
  await c.copy('copy', 'a/k 1');
  await c.append('app', Buffer.from('x'));
  await c.putACL('a/k 1', 'public-read');
  await c.putObjectTagging('a/k 1', { t: '1' });
  await c.deleteObjectTagging('a/k 1');
  const init = await c.initMultipartUpload('mp');
  const part = await c.uploadPart('mp', init.uploadId, 1, Buffer.from('part'), 0, 4);
  await c.completeMultipartUpload('mp', init.uploadId, [{ number: 1, etag: part.etag }]);
  await c.delete('copy');
  await c.deleteMulti(['app', 'mp']);
  const names = ['ObjectCreated:PutObject', 'ObjectCreated:CopyObject', 'ObjectCreated:AppendObject', 'ObjectModified:PutObjectAcl',
    'ObjectModified:PutObjectTagging', 'ObjectModified:DeleteObjectTagging', 'ObjectCreated:CompleteMultipartUpload',
    'ObjectRemoved:DeleteObject', 'ObjectRemoved:DeleteObjects', 'ObjectRemoved:DeleteObjects'];
  await waitFor(() => received.length >= names.length);
  assert.deepEqual(received.map((e) => e.data.eventName), names);
  assert.deepEqual(received.map((e) => e.type), names.map((n) => `oss:${n}`));
  const first = received[0];
  assert.equal(first.source, 'acs.oss');
  assert.equal(first.specversion, '1.0');
  assert.equal(first.aliyunregionid, 'cn-hangzhou');
  assert.equal(first.data.region, 'cn-hangzhou');
  assert.equal(first.subject, `acs:oss:${oss.region}:${first.aliyunaccountid}:${name}/a/k 1`);
  assert.equal(first.data.oss.bucket.name, name);
  assert.equal(first.data.oss.object.key, 'a/k 1');
  assert.equal(first.data.oss.object.size, 5);
  assert.equal(`"${first.data.oss.object.eTag}"`, put.res.headers.etag);
  assert.equal(first.data.oss.object.versionId, undefined);
  assert.equal(first.data.userIdentity.principalId, 'alice');
  assert.equal(first.data.responseElements.requestId, put.res.headers['x-oss-request-id']);
  assert.deepEqual([...auths], ['Bearer hook-token']);
  // The JSON-lines log holds the same events.
  await waitFor(() => received.length >= names.length);
  const lines = (await readFile(logFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Ev);
  assert.deepEqual(lines.filter((e) => e.data.oss.bucket.name === name).map((e) => e.id), received.map((e) => e.id));
});

test('versioned changes carry version ids; a marker is CreateDeleteMarker', async () => {
  received = [];
  const name = uniqueBucket('evv');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  await c.putBucketVersioning(name, 'Enabled');
  const v = (await c.put('k', Buffer.from('1'))).res.headers['x-oss-version-id'];
  const m = (await c.delete('k')).res.headers['x-oss-version-id'];
  await c.delete('k', { versionId: v });
  await waitFor(() => received.length >= 3);
  assert.deepEqual(received.map((e) => [e.data.eventName, e.data.oss.object.versionId]), [
    ['ObjectCreated:PutObject', v], ['ObjectRemoved:CreateDeleteMarker', m], ['ObjectRemoved:DeleteObject', v],
  ]);
});

test('delivery survives receiver failures and keeps commit order under concurrent writes', async () => {
  received = [];
  const name = uniqueBucket('evo');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  await c.putBucketVersioning(name, 'Enabled');
  failNext = 3;
  await Promise.all(Array.from({ length: 60 }, (_, i) => c.put(`key-${i % 3}`, Buffer.from(String(i)))));
  await waitFor(() => received.length >= 60, 20_000);
  assert.equal(failNext, 0);
  assert.equal(new Set(received.map((e) => e.id)).size, received.length);
  for (const key of ['key-0', 'key-1', 'key-2']) {
    const versions = (await c.getBucketVersions({ prefix: key })).objects.map((o: Listed) => o.versionId).reverse();
    const evs = received.filter((e) => e.data.oss.object.key === key).map((e) => e.data.oss.object.versionId);
    assert.deepEqual(evs, versions);
  }
});

test('events a receiver has not accepted by a clean stop are delivered after the restart', async () => {
  received = [];
  const name = uniqueBucket('evr');
  await oss.client().putBucket(name);
  // 503: the receiver is unavailable, so the event waits (a 5xx answered for it alone would park it).
  failStatus = 503;
  failNext = 1_000_000;
  await oss.client(name).put('late', Buffer.from('x'));
  await oss.restart();
  failNext = 0;
  failStatus = 500;
  await waitFor(() => received.some((e) => e.data.oss.bucket.name === name), 15_000);
  assert.equal(received.filter((e) => e.data.oss.bucket.name === name)[0].data.oss.object.key, 'late');
  assert.deepEqual(await parkedOf(name), [], 'an unavailable receiver (503) spends no attempts: nothing is parked');
});

test('a form upload (PostObject) is ObjectCreated:PostObject', async () => {
  received = [];
  const name = uniqueBucket('evp');
  await oss.client().putBucket(name);
  await oss.client().putBucketACL(name, 'public-read-write');
  const form = new FormData();
  form.append('key', 'posted');
  form.append('file', new Blob(['p']), 'p.txt');
  assert.equal((await fetch(`${oss.endpoint}/${name}/`, { method: 'POST', body: form })).status, 204);
  await waitFor(() => received.some((e) => e.data.oss.bucket.name === name));
  assert.equal(received.find((e) => e.data.oss.bucket.name === name)?.data.eventName, 'ObjectCreated:PostObject');
});

/** The parked events through the admin endpoint (as an operator reads them), of one bucket. */
async function parkedOf(bucket: string): Promise<ParkedEvent[]> {
  const res = await fetch(`${oss.endpoint}/-/admin/events/parked`, { headers: { authorization: `Bearer ${oss.credentials.accessKeySecret}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as ParkedEvent[]).filter((p) => p.event.data.oss.bucket.name === bucket);
}

test('a refused event (4xx) is parked alone: the events around it are delivered, in order', async () => {
  received = [];
  const bucket = uniqueBucket('ev-refused');
  const c = oss.client();
  await c.putBucket(bucket);
  c.useBucket(bucket);
  refusedKeys.add('poison');
  const keys = ['k1', 'k2', 'poison', 'k3', 'k4'];
  for (const k of keys) await c.put(k, Buffer.from(k));
  await waitFor(() => received.filter((e) => e.data.oss.bucket.name === bucket).length >= 4);
  await new Promise((r) => setTimeout(r, 300));
  const got = received.filter((e) => e.data.oss.bucket.name === bucket).map((e) => e.data.oss.object.key);
  assert.deepEqual(got, ['k1', 'k2', 'k3', 'k4']);
  refusedKeys.clear();
  const parked = await parkedOf(bucket);
  assert.deepEqual(parked.map((p) => [p.event.data.oss.object.key, p.reason, p.status, p.attempts, p.answer]),
    [['poison', 'refused', 422, 1, '{"error":"unknown_bucket"}']]);
});

test('an event the receiver fails (500) every time is sent as often as the retry policy says, then parked; the events behind it wait no longer', async () => {
  received = [];
  posts = [];
  const bucket = uniqueBucket('ev-failing');
  const c = oss.client();
  await c.putBucket(bucket);
  c.useBucket(bucket);
  failingKeys.add('bad');
  const keys = ['k1', 'bad', 'k2', 'k3'];
  for (const k of keys) await c.put(k, Buffer.from(k));
  await waitFor(() => received.filter((e) => e.data.oss.bucket.name === bucket).length >= 3, 20_000);
  failingKeys.clear();
  assert.deepEqual(received.filter((e) => e.data.oss.bucket.name === bucket).map((e) => e.data.oss.object.key), ['k1', 'k2', 'k3']);
  // From the first post that held `bad` until the later events were taken, the only posts were `bad` on its
  // own, DEFAULT_WEBHOOK_RETRY.attempts times: its bounded retry is all the delay the events behind it saw.
  const first = posts.findIndex((p) => p.keys.includes('bad'));
  const taken = posts.findIndex((p) => p.keys.includes('k3') && p.status === 200);
  const between = posts.slice(first, taken);
  const alone = between.filter((p) => p.keys.length === 1 && p.keys[0] === 'bad');
  assert.equal(alone.length, DEFAULT_WEBHOOK_RETRY.attempts, JSON.stringify(between));
  assert.ok(alone.every((p) => p.status === 500));
  // At most one batch held `bad` with others (then each was resent alone); nothing else was posted in between.
  assert.ok(between.length - alone.length <= 2, JSON.stringify(between));
  const parked = await parkedOf(bucket);
  assert.deepEqual(parked.map((p) => [p.event.data.oss.object.key, p.reason, p.status, p.attempts]), [['bad', 'failed', 500, DEFAULT_WEBHOOK_RETRY.attempts]]);
  // The parked log is in the data folder too, and a restart reads it back.
  const lines = (await readFile(join(oss.dataDir, 'events-parked.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ParkedEvent);
  assert.ok(lines.some((p) => p.event.id === parked[0].event.id));
  await oss.restart();
  assert.deepEqual((await parkedOf(bucket)).map((p) => p.event.id), [parked[0].event.id]);
});

test('a receiver unavailable (503: its Kafka is down) holds the queue in order without parking; past the bound it is logged and shown, and it drains once the receiver recovers', async () => {
  // A server of its own, with a short bound; the same receiver answers 503 to everything until told otherwise.
  const lines: string[] = [];
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  const own = await startTestOss({ webhooks: [{ url, token: 'hook-token' }], webhookRetry: { maxBackoffMs: 100, unavailableWarnAfterMs: 500 }, log: (l) => lines.push(l) });
  const queues = async () => {
    const res = await fetch(`${own.endpoint}/-/admin/events/queues`, { headers: { authorization: `Bearer ${own.credentials.accessKeySecret}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as { url: string; backlog: number; delivered: number; parked: number; unavailableSince: string | null; lastStatus: number | null; lastAnswer: string | null }[];
  };
  try {
    received = [];
    posts = [];
    const bucket = uniqueBucket('ev-503');
    const c = own.client();
    await c.putBucket(bucket);
    c.useBucket(bucket);
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    failStatus = 503;
    failNext = 1_000_000;
    const start = Date.now();
    for (const k of keys) await c.put(k, Buffer.from(k));
    // Until the receiver has answered 503 more often than a failing (5xx) event is sent before it is parked.
    const unavailablePosts = () => posts.filter((p) => p.status === 503).length;
    await waitFor(() => lines.length > 0 && unavailablePosts() > DEFAULT_WEBHOOK_RETRY.attempts + 1, 10_000);
    // Past the bound (several times the default attempts of a 5xx), the outage is logged once and visible.
    assert.ok(Date.now() - start >= 500);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`^oss-server: webhook ${url} unavailable for \\d+ s \\(last answer 503: \\); \\d+ events wait in order, none parked$`));
    const [during] = await queues(); // more 503s than a failing event's attempts, and nothing parked
    assert.equal(during!.url, url);
    assert.equal(during!.lastStatus, 503);
    assert.ok(during!.unavailableSince !== null && Date.parse(during!.unavailableSince) >= start - 1000);
    assert.equal(during!.parked, 0);
    const mine = () => received.filter((e) => e.data.oss.bucket.name === bucket);
    assert.equal(mine().length, 0, 'nothing was accepted');
    assert.ok(during!.backlog >= 1, 'the changes wait in the queue');

    // The receiver recovers: every change is delivered once, in commit order, nothing parked, and the log says so.
    failNext = 0;
    failStatus = 500;
    await waitFor(() => mine().length >= keys.length, 10_000);
    assert.deepEqual(mine().map((e) => e.data.oss.object.key), keys);
    const [afterwards] = await queues();
    assert.deepEqual([afterwards!.backlog, afterwards!.parked, afterwards!.unavailableSince, afterwards!.lastStatus], [0, 0, null, null]);
    assert.equal(afterwards!.delivered, keys.length);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[1]!, new RegExp(`^oss-server: webhook ${url} accepts again after \\d+ s unavailable; delivering \\d+ waiting events$`));
    assert.equal(own.server.parkedEvents().length, 0, 'nothing parked');
  } finally {
    failNext = 0;
    failStatus = 500;
    await own.stop();
  }
});
