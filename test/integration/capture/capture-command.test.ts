// The `crr capture` process itself: SIGTERM under load exits 0 after flushing (every request it answered 200
// is on the topic), a bad config exits 2 with a message naming the field, and `--poller` polls the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { testKafka } from '../../helpers/kafka.ts';
import { captureSetup, ossEvent, readChanges, runCrr, scrape, startCaptureProcess, startSourceOss, topicEnd, uniqueName } from './fixture.ts';

test('SIGTERM while events are being posted: exits 0, and every event answered 200 is on the topic', { timeout: 60_000 }, async (t) => {
  const bucket = uniqueName('cap-t');
  const setup = await captureSetup([bucket]);
  t.after(() => setup.cleanup());
  const receiver = await startCaptureProcess(setup);
  const acked = new Set<string>();
  let answeredAfterSignal = 0;
  let signalled = false;
  let batches = 0;

  // Four notifiers post 200-event batches back to back until the receiver stops answering.
  const posters = Array.from({ length: 4 }, async (_, p) => {
    for (let n = 0; ; n++) {
      const ids = Array.from({ length: 200 }, (_, i) => `p${p}-b${n}-e${i}-${randomBytes(3).toString('hex')}`);
      const body = JSON.stringify(ids.map((id, i) => ossEvent(bucket, `poster-${p}/object-${i}`, { id })));
      const sentBeforeSignal = !signalled;
      try {
        const res = await fetch(setup.receiverUrl, { method: 'POST', headers: { authorization: `Bearer ${setup.token}`, 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.status !== 200) return;
        for (const id of ids) acked.add(id);
        batches++;
        if (sentBeforeSignal && signalled) answeredAfterSignal++;
      } catch {
        return; // refused or reset: a real notifier would retry elsewhere or later
      }
    }
  });
  while (batches < 10) await new Promise((r) => setTimeout(r, 10));
  signalled = true;
  receiver.child.kill('SIGTERM');
  const exit = await receiver.exited;
  await Promise.all(posters);
  assert.deepEqual(exit, { code: 0, signal: null }, receiver.output());
  assert.match(receiver.output(), /stopped cleanly/);

  const read = await readChanges(testKafka('capture-sigterm-test'), setup.changesTopic, (cs) => cs.length >= acked.size, 30_000);
  const onTopic = new Set(read.map((r) => r.change.eventId));
  const missing = [...acked].filter((id) => !onTopic.has(id));
  assert.deepEqual(missing, [], 'every acknowledged event is on the topic');
  assert.ok(answeredAfterSignal > 0, 'requests in flight at the SIGTERM were finished, not dropped');
  t.diagnostic(`${acked.size} events answered 200 (${answeredAfterSignal} requests answered after the SIGTERM), ${read.length} records on the topic`);
});

test('a bad config exits 2 with a message naming the field', async (t) => {
  const setup = await captureSetup([uniqueName('cap-c')]);
  t.after(() => setup.cleanup());
  const raw = parse(readFileSync(setup.configFile, 'utf8')) as { rules: Record<string, unknown>[] };
  raw.rules[0].action = 'SOMETIMES';
  const bad = join(setup.dir, 'bad.yaml');
  await writeFile(bad, stringify(raw));

  const wrongValue = runCrr(['capture', '--config', bad, '--receiver'], setup.env);
  assert.deepEqual(await wrongValue.exited, { code: 2, signal: null });
  assert.match(wrongValue.output(), /rules\[0\]\.action/);

  // A secret the config names but the environment lacks is a config error too, named by its field.
  const noToken = runCrr(['capture', '--config', setup.configFile, '--receiver'], { ...setup.env, CAP_TOKEN: '' });
  assert.deepEqual(await noToken.exited, { code: 2, signal: null });
  assert.match(noToken.output(), /capture\.receiver\.tokenEnv: environment variable CAP_TOKEN is not set/);
});

test('crr capture --poller: the baseline publishes nothing, a later change is published once, SIGTERM exits 0', { timeout: 60_000 }, async (t) => {
  const oss = await startSourceOss();
  const bucket = uniqueName('cap-p');
  await oss.createBucket(bucket);
  const user = oss.user(bucket);
  for (let i = 0; i < 300; i++) await user.put(`before/${i}`, Buffer.from('old'));
  const setup = await captureSetup([bucket], { source: oss, poller: { intervalMs: 200 } });
  t.after(async () => {
    await oss.stop();
    await setup.cleanup();
  });
  const kafka = testKafka('capture-poller-command-test');
  const poller = await startCaptureProcess(setup, 'poller');
  try {
    // Listing requests count under the rule label ''; two of them mean the baseline poll is done.
    const deadline = Date.now() + 20_000;
    while ((await scrape(setup.metricsUrl, 'crr_oss_requests_total', { op: 'ListObjectsV2' })) < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await topicEnd(kafka, setup.changesTopic), 0, 'the baseline publishes nothing');
    await user.put('after/new key ü+%', Buffer.from('new'));
    const read = await readChanges(kafka, setup.changesTopic, (cs) => cs.length >= 1, 20_000);
    assert.deepEqual(read.map((r) => [r.change.operation, r.change.key, r.change.captureSource]), [['PUT', 'after/new key ü+%', 'LISTING']]);
    await new Promise((r) => setTimeout(r, 600)); // a few more polls: still one event
    assert.equal(await topicEnd(kafka, setup.changesTopic), 1);
  } finally {
    poller.child.kill('SIGTERM');
    assert.deepEqual(await poller.exited, { code: 0, signal: null }, poller.output());
  }
});
