// Conformance: injected faults are what the client sees — SlowDown/InternalError by operation, forced
// bucket errors, latency, connection resets and a bandwidth cap — set at start, by setFaults, or by the
// admin endpoint while running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestOss, uniqueBucket, type LooseOssClient, type TestOss } from '../../helpers/oss.ts';

type OssErr = { status: number; code: string };
const is = (status: number, code?: string) => (e: OssErr) => e.status === status && (code === undefined || e.code === code);

let oss: TestOss;
let c: LooseOssClient;
let bucket: string;
before(async () => {
  oss = await startTestOss({ faults: { errorRate: { DeleteObject: 1 } } });
  bucket = uniqueBucket('flt');
  await oss.client().putBucket(bucket);
  c = oss.client(bucket);
  await c.put('obj', randomBytes(40 * 1024));
});
after(() => oss.stop());

async function admin(method: string, body?: unknown, token = oss.credentials.accessKeySecret): Promise<Response> {
  return fetch(`${oss.endpoint}/-/admin/faults`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

test('faults given at start apply from the first request', async () => {
  await assert.rejects(c.delete('obj'), is(503, 'SlowDown'));
  assert.equal((await c.head('obj')).status, 200);
});

test('error rates per operation and the 500 variant', async () => {
  oss.server.setFaults({ errorRate: { GetObject: 1 }, errorStatus: 500 });
  await assert.rejects(c.get('obj'), is(500, 'InternalError'));
  oss.server.setFaults({ errorRate: { '*': 1 } });
  await assert.rejects(c.put('x', Buffer.from('x')), is(503, 'SlowDown'));
  oss.server.setFaults({ errorRate: { '*': 0.5 } });
  let failed = 0;
  for (let i = 0; i < 40; i++) await c.head('obj').catch(() => failed++);
  assert.ok(failed > 5 && failed < 35, `failed ${failed} of 40`);
  oss.server.setFaults({});
  assert.equal((await c.get('obj')).res.status, 200);
});

test('a forced bucket error answers every request to that bucket', async () => {
  const other = uniqueBucket('ok');
  await oss.client().putBucket(other);
  oss.server.setFaults({ bucketErrors: { [bucket]: { status: 403, code: 'AccessDenied' } } });
  await assert.rejects(c.get('obj'), is(403, 'AccessDenied'));
  await assert.rejects(c.put('y', Buffer.from('y')), is(403, 'AccessDenied'));
  await oss.client(other).put('fine', Buffer.from('ok'));
  oss.server.setFaults({});
});

test('latency (of every request, and of one operation), resets and the bandwidth cap are seen by the client', async () => {
  oss.server.setFaults({ latencyMs: 300 });
  let t0 = Date.now();
  await c.head('obj');
  assert.ok(Date.now() - t0 >= 290);
  oss.server.setFaults({ operationLatencyMs: { ListObjectsV2: 300 } });
  t0 = Date.now();
  await c.listV2({ 'max-keys': '1' });
  assert.ok(Date.now() - t0 >= 290, 'the listing is slowed');
  t0 = Date.now();
  await c.head('obj');
  assert.ok(Date.now() - t0 < 290, 'other operations are not');
  oss.server.setFaults({ resetRate: 1 });
  await assert.rejects(c.get('obj'), (e: { status: number }) => e.status === -1 || e.status === -2 || e.status === undefined);
  await assert.rejects(c.put('z', Buffer.from('z')), (e: { status: number }) => e.status === -1 || e.status === -2 || e.status === undefined);
  oss.server.setFaults({ bandwidthBytesPerSec: 50 * 1024 });
  t0 = Date.now();
  const got = await c.get('obj');
  assert.equal(got.content.length, 40 * 1024);
  assert.ok(Date.now() - t0 >= 600, `took ${Date.now() - t0} ms`);
  oss.server.setFaults({});
});

test('the admin endpoint reads and replaces faults, with the key secret as bearer token', async () => {
  assert.equal((await admin('PUT', { errorRate: { HeadObject: 1 } }, 'wrong')).status, 403);
  const put = await admin('PUT', { errorRate: { HeadObject: 1 } });
  assert.equal(put.status, 200);
  await assert.rejects(c.head('obj'), is(503));
  assert.deepEqual(await (await admin('GET')).json(), { errorRate: { HeadObject: 1 } });
  await admin('PUT', {});
  assert.equal((await c.head('obj')).status, 200);
});
