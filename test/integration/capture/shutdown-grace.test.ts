// Issue 11 "Done when", bounded shutdown: `crr capture` with a slow client holding a request open stops
// taking requests at SIGTERM, waits for that request at most shutdownGraceMs, then exits 0 with every event
// it answered 200 on the topic; a second SIGTERM exits at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { parse, stringify } from 'yaml';
import { testKafka } from '../../helpers/kafka.ts';
import { captureSetup, ossEvent, postJson, readChanges, startCaptureProcess, uniqueName, type CaptureSetup } from './fixture.ts';

async function withGrace(setup: CaptureSetup, shutdownGraceMs: number): Promise<void> {
  const raw = parse(readFileSync(setup.configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(setup.configFile, stringify({ ...raw, shutdownGraceMs }));
}

/** A client that sends a request's headers and part of its body, then nothing more. */
async function slowClient(setup: CaptureSetup): Promise<Socket> {
  const socket = connect(setup.receiverPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {}); // the receiver closes it at the end of the grace
  socket.write(`POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${setup.token}\r\n` +
    'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{"id":');
  await new Promise((r) => setTimeout(r, 300)); // the request is in the receiver's hands
  return socket;
}

test('SIGTERM with a slow client holding a request open: no new requests, exit 0 within shutdownGraceMs, the answered event on the topic', { timeout: 60_000 }, async (t) => {
  const bucket = uniqueName('cap-g');
  const setup = await captureSetup([bucket]);
  t.after(() => setup.cleanup());
  const graceMs = 3000;
  await withGrace(setup, graceMs);
  const receiver = await startCaptureProcess(setup);
  const event = ossEvent(bucket, 'answered.txt');
  assert.equal((await postJson(setup.receiverUrl, JSON.stringify([event]), setup.token)).status, 200);
  const probe = async (path: string) => (await fetch(setup.metricsUrl.replace(/\/metrics$/, path))).status;
  assert.deepEqual([await probe('/healthz'), await probe('/readyz')], [200, 200], 'alive and ready before the signal');
  const slow = await slowClient(setup);

  const signalledAt = Date.now();
  receiver.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(postJson(setup.receiverUrl, JSON.stringify([ossEvent(bucket, 'late.txt')]), setup.token), 'a new request is refused');
  assert.equal(await probe('/readyz'), 503, 'not ready while stopping');
  const exit = await receiver.exited;
  const tookMs = Date.now() - signalledAt;
  slow.destroy();
  t.diagnostic(`exited ${tookMs} ms after SIGTERM (shutdownGraceMs ${graceMs})`);
  assert.deepEqual(exit, { code: 0, signal: null }, receiver.output());
  assert.match(receiver.output(), /shutdown grace over/, 'the slow request held the stop until the grace ended');
  assert.ok(tookMs < graceMs + 2000, `exited ${tookMs} ms after SIGTERM`);

  const read = await readChanges(testKafka('capture-grace-test'), setup.changesTopic, (cs) => cs.length >= 1, 30_000);
  assert.deepEqual(read.map((r) => r.change.eventId), [event.id], 'the answered event is on the topic, the refused one is not');
});

test('a second SIGTERM exits at once, without waiting for the grace', { timeout: 60_000 }, async (t) => {
  const setup = await captureSetup([uniqueName('cap-g2')]);
  t.after(() => setup.cleanup());
  await withGrace(setup, 20_000);
  const receiver = await startCaptureProcess(setup);
  const slow = await slowClient(setup);
  receiver.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(receiver.child.exitCode, null, 'the first SIGTERM waits for the slow request');
  const secondAt = Date.now();
  receiver.child.kill('SIGTERM');
  const exit = await receiver.exited;
  slow.destroy();
  assert.deepEqual(exit, { code: 143, signal: null }, receiver.output());
  assert.ok(Date.now() - secondAt < 5000, 'exited without waiting for the 20 s grace');
  assert.match(receiver.output(), /second signal: exiting now/);
});
