// What the receiver of `crr capture` refuses, and what it drops: a wrong token (401), malformed JSON or events
// (400) and unknown buckets (422) publish nothing and are counted by reason on /metrics; the replicator's own
// writes, posted by the OSS server, are echoes: dropped and counted per rule.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { testKafka } from '../../helpers/kafka.ts';
import {
  captureSetup, ossEvent, postJson, readChanges, scrape, startCaptureProcess, startSourceOss, topicEnd, uniqueName, USER_PRINCIPAL,
  type CaptureProcess, type CaptureSetup, type SourceOss,
} from './fixture.ts';

describe('crr capture --receiver: refusals and echoes', () => {
  const bucket = uniqueName('cap-r');
  let setup: CaptureSetup;
  let receiver: CaptureProcess;
  let kafka: KafkaClient;

  before(async () => {
    setup = await captureSetup([bucket]);
    receiver = await startCaptureProcess(setup);
    kafka = testKafka('capture-refusals-test');
  });
  after(async () => {
    receiver.child.kill('SIGKILL');
    await setup.cleanup();
  });

  const rejected = (reason: string) => scrape(setup.metricsUrl, 'crr_capture_events_rejected_total', { reason });

  test('wrong or missing token: 401 with a JSON reason, nothing published, counted', async () => {
    const body = JSON.stringify([ossEvent(bucket, 'k1')]);
    for (const token of ['not-the-token', `${setup.token}x`, undefined]) {
      const res = await postJson(setup.receiverUrl, body, token);
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'unauthorized');
      assert.equal(typeof res.body.message, 'string');
    }
    assert.equal(await topicEnd(kafka, setup.changesTopic), 0);
    assert.equal(await rejected('unauthorized'), 3);
  });

  test('malformed JSON or a malformed event: 400 with a JSON reason naming the problem, nothing published, counted', async () => {
    const json = await postJson(setup.receiverUrl, `[${JSON.stringify(ossEvent(bucket, 'k1'))}, {"id": `, setup.token);
    assert.equal(json.status, 400);
    assert.equal(json.body.error, 'malformed_json');
    assert.match(String(json.body.message), /malformed JSON/);

    // One good event and one without its object key: the whole request is refused, the good one included.
    const bad = ossEvent(bucket, 'k2') as { data: { oss: { object: Record<string, unknown> } } };
    delete bad.data.oss.object.key;
    const event = await postJson(setup.receiverUrl, JSON.stringify([ossEvent(bucket, 'k1'), bad]), setup.token);
    assert.equal(event.status, 400);
    assert.equal(event.body.error, 'malformed_event');
    assert.match(String(event.body.message), /events\[1\]\.data\.oss\.object\.key/);

    assert.equal(await topicEnd(kafka, setup.changesTopic), 0);
    assert.equal(await rejected('malformed_json'), 1);
    assert.equal(await rejected('malformed_event'), 1);
  });

  test('an unknown bucket: 422 naming it, the known bucket\'s event in the same request not published either, counted', async () => {
    const res = await postJson(setup.receiverUrl, JSON.stringify([ossEvent(bucket, 'k1'), ossEvent('not-a-rule-source', 'k1')]), setup.token);
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'unknown_bucket');
    assert.match(String(res.body.message), /not-a-rule-source/);
    assert.equal(await topicEnd(kafka, setup.changesTopic), 0);
    assert.equal(await rejected('unknown_bucket'), 1);

    // The same path accepts a good request, so the unchanged end offsets above mean something.
    const ok = await postJson(setup.receiverUrl, JSON.stringify([ossEvent(bucket, 'k1')]), setup.token);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { received: 1, published: 1, echoes: 0, unmatched: 0 });
    assert.equal(await topicEnd(kafka, setup.changesTopic), 1);
  });

  test('the replicator\'s writes (capture.replicatorPrincipals) are dropped and counted; the application\'s are published', async () => {
    const echoBucket = uniqueName('cap-e');
    const echoSetup = await captureSetup([echoBucket]);
    const echoReceiver = await startCaptureProcess(echoSetup);
    const oss: SourceOss = await startSourceOss({ url: echoSetup.receiverUrl, token: echoSetup.token });
    try {
      await oss.createBucket(echoBucket);
      const replicator = oss.replicator(echoBucket);
      const user = oss.user(echoBucket);
      for (let i = 0; i < 5; i++) await replicator.put(`echo/${i}`, Buffer.from('replica'));
      await replicator.putACL('echo/0', 'public-read');
      await replicator.delete('echo/1');
      // Written after the echoes: once these are on the topic, the webhook (in order) has delivered the echoes too.
      for (let i = 0; i < 3; i++) await user.put(`user/${i}`, Buffer.from('original'));
      await user.delete('echo/2');
      const read = await readChanges(kafka, echoSetup.changesTopic, (cs) => cs.length >= 4, 30_000);
      assert.deepEqual(read.map((r) => `${r.change.operation} ${r.change.key} ${r.change.requester}`).sort(),
        ['DELETE echo/2', 'PUT user/0', 'PUT user/1', 'PUT user/2'].map((s) => `${s} ${USER_PRINCIPAL}`));
      assert.equal(await scrape(echoSetup.metricsUrl, 'crr_capture_echoes_dropped_total', { rule: 'rule-0' }), 7);
      assert.equal(await scrape(echoSetup.metricsUrl, 'crr_capture_events_published_total', { rule: 'rule-0' }), 4);
      assert.equal(await topicEnd(kafka, echoSetup.changesTopic), 4);
    } finally {
      echoReceiver.child.kill('SIGKILL');
      await oss.stop();
      await echoSetup.cleanup();
    }
  });
});
