// Conformance: every time the server reports has OSS's whole-second resolution and format
// (`2026-12-01T08:37:29.000Z` in XML, an HTTP date in headers), and one write shows one time everywhere:
// listings v1, v2 and versions, HEAD and GET, copy results, multipart listings, bucket info and events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startTestOss, uniqueBucket, type Listed, type TestOss } from '../../helpers/oss.ts';

const OSS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/;
const logFile = join(tmpdir(), `oss-times-${randomBytes(4).toString('hex')}.jsonl`);
let oss: TestOss;
before(async () => { oss = await startTestOss({ eventLogFile: logFile }); });
after(async () => {
  await oss.stop();
  await rm(logFile, { force: true });
});

/** An XML time: whole seconds, `.000Z`, and within [start, end] once both are truncated to the second. */
function assertOssTime(text: string, start: number, end: number, what: string): number {
  assert.match(text, OSS_TIME, `${what}: ${text}`);
  const t = Date.parse(text);
  assert.ok(t >= Math.floor(start / 1000) * 1000 && t <= end, `${what}: ${text} outside the request's time`);
  return t;
}

test('objects: listings v1 and v2, HEAD, GET and copy agree on one whole-second time', async () => {
  const name = uniqueBucket('times');
  const c = oss.client(name);
  const start = Date.now();
  await oss.client().putBucket(name);
  await c.put('a/one.txt', Buffer.from('one'));
  const copied = await c.copy('a/two.txt', 'a/one.txt');
  const end = Date.now();
  const head = await c.head('a/one.txt');
  const headTime = Date.parse(head.res.headers['last-modified']);
  const v1 = (await c.list({ prefix: 'a/' }, {})).objects as Listed[];
  const v2 = (await c.listV2({ prefix: 'a/' }, {})).objects as Listed[];
  for (const [list, what] of [[v1, 'ListObjects'], [v2, 'ListObjectsV2']] as const) {
    assert.equal(list.length, 2);
    const one = list.find((o) => o.name === 'a/one.txt') as Listed;
    assert.equal(assertOssTime(one.lastModified, start, end, what), headTime, `${what} and HEAD disagree`);
  }
  const copyTime = assertOssTime(copied.data.lastModified, start, end, 'CopyObjectResult');
  assert.equal(copyTime, Date.parse((await c.head('a/two.txt')).res.headers['last-modified']));
  assert.equal(Date.parse((await c.get('a/one.txt')).res.headers['last-modified']), headTime);
  const info = await oss.client(name).getBucketInfo(name);
  assertOssTime(info.bucket.CreationDate, start, end, 'GetBucketInfo CreationDate');
  const listed = (await oss.client().listBuckets({ prefix: name })).buckets as { name: string; creationDate: string }[];
  assertOssTime(listed[0].creationDate, start, end, 'ListBuckets CreationDate');
});

test('versions and delete markers are listed at whole seconds', async () => {
  const name = uniqueBucket('times-v');
  await oss.client().putBucket(name);
  await oss.client().putBucketVersioning(name, 'Enabled');
  const c = oss.client(name);
  const start = Date.now();
  await c.put('k', Buffer.from('1'));
  await c.delete('k');
  const end = Date.now();
  const r = await c.getBucketVersions({ prefix: 'k' });
  assert.equal(r.objects.length, 1);
  assert.equal(r.deleteMarker.length, 1);
  assertOssTime(r.objects[0].lastModified, start, end, 'Version');
  assertOssTime(r.deleteMarker[0].lastModified, start, end, 'DeleteMarker');
});

test('multipart: Initiated and part LastModified are whole seconds', async () => {
  const name = uniqueBucket('times-mp');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  const start = Date.now();
  const init = await c.initMultipartUpload('mp');
  await c.uploadPart('mp', init.uploadId, 1, Buffer.from('part'), 0, 4);
  const end = Date.now();
  const uploads = await c.listUploads({});
  assertOssTime(uploads.uploads[0].initiated, start, end, 'ListMultipartUploads Initiated');
  // ali-oss gives a lone <Part> as an object, several as an array.
  const parts = [(await c.listParts('mp', init.uploadId, {})).parts].flat();
  assertOssTime(parts[0].LastModified, start, end, 'ListParts LastModified');
  await c.abortMultipartUpload('mp', init.uploadId);
});

test('events: eventTime and time are the write\'s whole-second Last-Modified', async () => {
  const name = uniqueBucket('times-ev');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  await c.put('evt', Buffer.from('x'));
  const lastModified = Date.parse((await c.head('evt')).res.headers['last-modified']);
  let event: { time: string; subject: string; aliyunpublishtime: string; data: { eventTime: string; oss: { object: { key: string } } } } | undefined;
  for (let i = 0; i < 100 && !event; i++) {
    const lines = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    event = lines.map((l) => JSON.parse(l) as NonNullable<typeof event>).find((e) => e.data.oss.object.key === 'evt' && e.subject.includes(name));
    if (!event) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(event, 'the PutObject event reached the event log');
  assert.match(event.data.eventTime, OSS_TIME);
  assert.equal(Date.parse(event.data.eventTime), lastModified);
  assert.equal(event.time, event.data.eventTime);
  assert.ok(Number.isFinite(Date.parse(event.aliyunpublishtime)));
});
