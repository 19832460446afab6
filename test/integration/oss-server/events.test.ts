// Conformance: every change reaches a webhook as an OSS EventBridge event, in commit order, at least once
// (retried through receiver failures), with the token, and in the JSON-lines event log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startTestOss, uniqueBucket, type Listed, type TestOss } from '../../helpers/oss.ts';

interface Ev { id: string; type: string; source: string; specversion: string; subject: string; aliyunregionid: string; aliyunaccountid: string;
  data: { eventName: string; region: string; userIdentity: { principalId: string }; responseElements: { requestId: string };
    oss: { bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string; versionId?: string; deltaSize: number } } } }

let receiver: Server;
let received: Ev[] = [];
let failNext = 0;
/** Keys the receiver refuses (422 for any batch holding one), as a receiver refuses an unknown bucket. */
const refusedKeys = new Set<string>();
let auths = new Set<string>();
let oss: TestOss;
const logFile = join(tmpdir(), `oss-events-${randomBytes(4).toString('hex')}.jsonl`);

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      auths.add(req.headers.authorization ?? '');
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Ev[];
      assert.ok(Array.isArray(batch) && batch.length >= 1 && batch.length <= 500);
      if (batch.some((e) => refusedKeys.has(e.data.oss.object.key))) {
        res.writeHead(422).end('{"error":"unknown_bucket"}');
        return;
      }
      received.push(...batch);
      res.writeHead(200).end();
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
  failNext = 1_000_000;
  await oss.client(name).put('late', Buffer.from('x'));
  await oss.restart();
  failNext = 0;
  await waitFor(() => received.some((e) => e.data.oss.bucket.name === name), 15_000);
  assert.equal(received.filter((e) => e.data.oss.bucket.name === name)[0].data.oss.object.key, 'late');
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

test('a refused event (4xx) is dropped alone: the events around it are delivered, in order', async () => {
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
});
