// Issue 11 item 7: bad input is never a 5xx. Every malformed shape we could think of is posted to the receiver of
// a `crr capture` child: each gets 400 (413 for a body over capture.receiver.maxBodyBytes, 422 for a bucket or
// region no rule has) with its reason and a message naming the problem; nothing reaches the changes topic, the
// refusals are counted by reason, and the receiver still takes a good event afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { testKafka } from '../../helpers/kafka.ts';
import {
  captureSetup, ossEvent, postJson, readChanges, scrape, startCaptureProcess, topicEnd, uniqueName, type CaptureProcess, type CaptureSetup,
} from './fixture.ts';

const MAX_BODY = 64 * 1024;

type Event = ReturnType<typeof ossEvent> & { data: Record<string, unknown> & { oss: { bucket: Record<string, unknown>; object: Record<string, unknown> } } };

interface Case { name: string; body: string | Blob; status: number; reason: string; message: RegExp }

describe('crr capture --receiver: every malformed shape is a 4xx with a reason', () => {
  const bucket = uniqueName('cap-m');
  let setup: CaptureSetup;
  let receiver: CaptureProcess;
  let kafka: KafkaClient;

  before(async () => {
    setup = await captureSetup([bucket], { maxBodyBytes: MAX_BODY });
    receiver = await startCaptureProcess(setup);
    kafka = testKafka('capture-malformed-test');
  });
  after(async () => {
    receiver.child.kill('SIGKILL');
    await setup.cleanup();
  });

  /** A good event of the rule's bucket, changed by `edit`, posted as a one-event array. */
  const event = (edit: (e: Event) => void): string => {
    const e = ossEvent(bucket, 'k1') as Event;
    edit(e);
    return JSON.stringify([e]);
  };
  const bad = (name: string, edit: (e: Event) => void, message: RegExp): Case => ({ name, body: event(edit), status: 400, reason: 'malformed_event', message });
  const json = (name: string, body: string | Blob): Case => ({ name, body, status: 400, reason: 'malformed_json', message: /malformed JSON/ });

  const cases: Case[] = [
    json('truncated JSON', '[{"id": '),
    json('empty body', ''),
    json('not JSON at all', 'id=1&type=oss:ObjectCreated:PutObject'),
    json('bytes that are not UTF-8', new Blob([Buffer.from([0xff, 0xfe, 0x5b, 0x7b, 0xc0])])),
    { name: 'JSON null', body: 'null', status: 400, reason: 'malformed_event', message: /event: not a JSON object/ },
    { name: 'a JSON number', body: '42', status: 400, reason: 'malformed_event', message: /event: not a JSON object/ },
    { name: 'a JSON string', body: '"oss:ObjectCreated:PutObject"', status: 400, reason: 'malformed_event', message: /not a JSON object/ },
    { name: 'an empty array', body: '[]', status: 400, reason: 'malformed_event', message: /empty array/ },
    { name: 'an array of a number', body: '[7]', status: 400, reason: 'malformed_event', message: /events\[0\]: not a JSON object/ },
    { name: 'nested arrays', body: '[[{}]]', status: 400, reason: 'malformed_event', message: /events\[0\]: not a JSON object/ },
    bad('size 1.5', (e) => { e.data.oss.object.size = 1.5; }, /events\[0\]\.data\.oss\.object\.size: 1\.5 is not a whole number/),
    bad('size 2^53', (e) => { e.data.oss.object.size = 2 ** 53; }, /object\.size: 9007199254740992 is not/),
    bad('size 2^53 - 1 (past what an Avro long holds exactly in avsc)', (e) => { e.data.oss.object.size = 2 ** 53 - 1; }, /object\.size: 9007199254740991 is not/),
    bad('size 1e300', (e) => { e.data.oss.object.size = 1e300; }, /object\.size/),
    bad('size -1', (e) => { e.data.oss.object.size = -1; }, /object\.size: -1/),
    bad('size as a string', (e) => { e.data.oss.object.size = '12'; }, /object\.size: "12"/),
    bad('size true', (e) => { e.data.oss.object.size = true; }, /object\.size: true/),
    bad('no object key', (e) => { delete (e.data.oss.object as Record<string, unknown>).key; }, /object\.key: missing/),
    bad('an empty key', (e) => { e.data.oss.object.key = ''; }, /object\.key: missing or not a non-empty string/),
    bad('a numeric key', (e) => { e.data.oss.object.key = 42; }, /object\.key: missing or not a non-empty string/),
    bad('a key with a lone high surrogate', (e) => { e.data.oss.object.key = 'a\ud800b'; }, /object\.key: holds a lone UTF-16 surrogate/),
    bad('a key with a lone low surrogate', (e) => { e.data.oss.object.key = '\udc00'; }, /object\.key: holds a lone UTF-16 surrogate/),
    bad('a key of 1,024 bytes', (e) => { e.data.oss.object.key = 'é'.repeat(512); }, /object\.key: 1024 bytes is over/),
    bad('no bucket', (e) => { delete (e.data.oss as Record<string, unknown>).bucket; }, /data\.oss\.bucket: missing or not an object/),
    bad('a bucket that is a string', (e) => { (e.data.oss as Record<string, unknown>).bucket = bucket; }, /data\.oss\.bucket: missing or not an object/),
    bad('a bucket name OSS cannot have', (e) => { e.data.oss.bucket.name = 'Bad_Bucket'; }, /bucket\.name: "Bad_Bucket" is not an OSS bucket name/),
    bad('a bucket name of two letters', (e) => { e.data.oss.bucket.name = 'ab'; }, /is not an OSS bucket name/),
    bad('no data', (e) => { delete (e as Record<string, unknown>).data; }, /events\[0\]\.data: missing or not an object/),
    bad('data.oss an array', (e) => { e.data.oss = [] as never; }, /data\.oss: missing or not an object/),
    bad('no type', (e) => { delete (e as Record<string, unknown>).type; }, /events\[0\]\.type: missing/),
    bad('a type that is not OSS\'s', (e) => { (e as Record<string, unknown>).type = 'aws:s3:ObjectCreated:Put'; }, /is not an OSS event type/),
    bad('an eventName that is a number', (e) => { e.data.eventName = 42; }, /data\.eventName: not a string \(number\)/),
    bad('an eventName of no known shape', (e) => { e.data.eventName = 'Nonsense'; }, /data\.eventName: "Nonsense" is not an OSS event name/),
    bad('an eventName with a lone surrogate', (e) => { e.data.eventName = 'ObjectCreated:Put\ud83d'; }, /data\.eventName: holds a lone UTF-16 surrogate/),
    bad('an eventTime that is no time', (e) => { e.data.eventTime = 'yesterday'; }, /data\.eventTime: missing or not an ISO-8601 time/),
    bad('no time at all', (e) => { delete e.data.eventTime; delete (e as Record<string, unknown>).time; }, /data\.eventTime: missing/),
    bad('an eventTime that is a number', (e) => { e.data.eventTime = 1764000000000; }, /data\.eventTime: not a string/),
    bad('a region that is no region id', (e) => { e.data.region = 'Mars Base!'; }, /data\.region: "Mars Base!" is not a region id/),
    bad('a region that is a number', (e) => { e.data.region = 7; }, /data\.region: not a string/),
    bad('an id that is a number', (e) => { (e as Record<string, unknown>).id = 42; }, /events\[0\]\.id: not a string/),
    bad('a versionId that is an object', (e) => { e.data.oss.object.versionId = {}; }, /object\.versionId: not a string \(object\)/),
    bad('an eTag that is a number', (e) => { e.data.oss.object.eTag = 123; }, /object\.eTag: not a string/),
    bad('a userIdentity that is a string', (e) => { e.data.userIdentity = 'alice'; }, /data\.userIdentity: missing or not an object/),
    bad('a principalId that is a number', (e) => { e.data.userIdentity = { principalId: 5 }; }, /userIdentity\.principalId: not a string/),
    bad('a principalId with a lone surrogate', (e) => { e.data.userIdentity = { principalId: 'user\udfff' }; }, /principalId: holds a lone UTF-16 surrogate/),
    {
      name: 'a good event and one of size 1.5: the whole request', status: 400, reason: 'malformed_event', message: /events\[1\]\.data\.oss\.object\.size/,
      body: JSON.stringify([ossEvent(bucket, 'k1'), { ...ossEvent(bucket, 'k2'), data: { ...(ossEvent(bucket, 'k2') as Event).data,
        oss: { bucket: { name: bucket }, object: { key: 'k2', size: 1.5 } } } }]),
    },
    { name: 'a bucket no rule has', body: JSON.stringify([ossEvent('not-a-rule-source', 'k1')]), status: 422, reason: 'unknown_bucket', message: /"not-a-rule-source"/ },
    {
      name: 'an event from a region the bucket is not in', status: 422, reason: 'wrong_region', message: new RegExp(`"${bucket}" is in cn-hangzhou, not in us-west-1`),
      body: event((e) => { e.data.region = 'us-west-1'; }),
    },
    { name: 'a body over maxBodyBytes', body: JSON.stringify([ossEvent(bucket, 'x'.repeat(MAX_BODY))]), status: 413, reason: 'too_large', message: /65536-byte limit/ },
  ];

  test('each malformed request gets its 4xx and reason, nothing is published, every refusal is counted', async () => {
    const counts = new Map<string, number>();
    for (const c of cases) {
      const res = await postJson(setup.receiverUrl, c.body, setup.token);
      assert.equal(res.status, c.status, `${c.name}: status ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, c.reason, `${c.name}: reason`);
      assert.match(String(res.body.message), c.message, `${c.name}: message`);
      counts.set(c.reason, (counts.get(c.reason) ?? 0) + 1);
    }
    assert.equal(await topicEnd(kafka, setup.changesTopic), 0);
    for (const [reason, n] of counts) {
      assert.equal(await scrape(setup.metricsUrl, 'crr_capture_events_rejected_total', { reason }), n, `refusals counted as ${reason}`);
    }
  });

  test('a chunked body over the limit (no content-length) is 413, and so is a declared one; the receiver lives on', async () => {
    const chunked = await rawPost(setup.receiverUrl, setup.token, (req) => {
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(8 * 1024, 0x20));
      req.end();
    });
    assert.equal(chunked.status, 413);
    assert.equal(JSON.parse(chunked.body).error, 'too_large');
    const declared = await rawPost(setup.receiverUrl, setup.token, (req) => {
      req.setHeader('content-length', String(10 * MAX_BODY));
      req.end(Buffer.alloc(MAX_BODY + 1, 0x20));
    });
    assert.equal(declared.status, 413);
    const wrongMethod = await fetch(setup.receiverUrl, { headers: { authorization: `Bearer ${setup.token}` } });
    assert.equal(wrongMethod.status, 405);
    const wrongPath = await fetch(setup.receiverUrl.replace('/events', '/other'), { method: 'POST', body: '[]' });
    assert.equal(wrongPath.status, 404);

    // Still alive and taking good events: a size of 2^53 - 2 and a key with a (paired) emoji are fine.
    const good = ossEvent(bucket, 'emoji-😀') as Event;
    good.data.oss.object.size = 2 ** 53 - 2;
    const ok = await postJson(setup.receiverUrl, JSON.stringify([good]), setup.token);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const [read] = await readChanges(kafka, setup.changesTopic, (cs) => cs.length >= 1, 30_000);
    assert.equal(read.change.key, 'emoji-😀');
    assert.equal(read.change.size, 2 ** 53 - 2);
    assert.equal(read.message.key?.toString('utf8'), `${bucket}/emoji-😀`);
  });
});

/** A POST through node:http, so a test can send a chunked body or a false content-length. */
function rawPost(url: string, token: string, send: (req: ReturnType<typeof request>) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The receiver may close while the rest of a refused body is still being sent; the answer already came.
    req.on('error', reject);
    send(req);
  });
}
