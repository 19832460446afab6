// Issue 11 item 6: the listing poller's state lives in the bus's state topic, not on one host's disk. A
// `crr capture --poller` child is SIGKILLed, three changes are made while it is down, and a new child starts
// on an empty disk (its config copied to a fresh folder, the old folder deleted; the config still names the
// deprecated capture.poller.stateDir, which is warned about and unused): it publishes exactly those
// three changes, with no storm of the bucket's other objects and none missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { readTopicToEnd } from '../../../core/adapters/kafka/read-to-end.ts';
import { manifestKey, type SnapshotManifest } from '../../../producers/poller/snapshot-store.ts';
import { testKafka } from '../../helpers/kafka.ts';
import {
  captureSetup, readChanges, scrape, startCaptureProcess, startSourceOss, topicEnd, uniqueName, type CaptureProcess, type ReadChange,
} from './fixture.ts';

/** The bucket's snapshot manifest in force in the state topic (what a new poller would resume from). */
async function manifestOf(kafka: KafkaClient, stateTopic: string, bucket: string): Promise<SnapshotManifest | null> {
  let manifest: SnapshotManifest | null = null;
  await readTopicToEnd(kafka, stateTopic, (m) => {
    if (m.key?.toString('utf8') === manifestKey(bucket)) manifest = m.value ? JSON.parse(m.value.toString('utf8')) as SnapshotManifest : null;
  });
  return manifest;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const summary = (read: ReadChange[]) => read.map((r) => `${r.change.operation} ${r.change.key}`).sort();

test('a poller SIGKILLed and restarted on an empty disk publishes exactly the changes made while it was down', { timeout: 180_000 }, async (t) => {
  const bucket = uniqueName('cap-pk');
  const oss = await startSourceOss();
  await oss.createBucket(bucket);
  const user = oss.user(bucket);
  for (let i = 0; i < 40; i++) await user.put(`old/${String(i).padStart(2, '0')}`, Buffer.from('old'));
  const setup = await captureSetup([bucket], { source: oss, poller: { intervalMs: 200 } });
  const kafka = testKafka('capture-poller-restart-test');
  let poller: CaptureProcess | undefined;
  let dir = setup.dir;
  t.after(async () => {
    poller?.child.kill('SIGKILL');
    await oss.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const listings = () => scrape(setup.metricsUrl, 'crr_oss_requests_total', { op: 'ListObjectsV2' });

  poller = await startCaptureProcess(setup, 'poller');
  await until('the baseline snapshot', async () => (await manifestOf(kafka, setup.stateTopic, bucket))?.entries === 40);
  assert.equal(await topicEnd(kafka, setup.changesTopic), 0, 'the baseline publishes nothing');

  // One change seen by the first poller, and the snapshot that includes it saved: from then on its polls find
  // nothing new, publish nothing and save nothing, so the kill may land at any moment of them.
  await user.put('seen/before-the-kill', Buffer.from('1'));
  await readChanges(kafka, setup.changesTopic, (cs) => cs.length >= 1, 30_000);
  await until('the snapshot with the change', async () => (await manifestOf(kafka, setup.stateTopic, bucket))?.entries === 41);
  poller.child.kill('SIGKILL');
  await poller.exited;

  // While it is down: a new key, an overwrite (new bytes) and a delete.
  await user.put('new/while-down', Buffer.from('new'));
  await user.put('old/07', Buffer.from('overwritten while down'));
  await user.delete('old/13');

  // Another machine: the same config in a fresh folder, the old folder gone; nothing on disk to resume from.
  // It still names the deprecated capture.poller.stateDir, which is accepted, warned about and left unused.
  const config = parse(await readFile(setup.configFile, 'utf8')) as { capture: { poller: Record<string, unknown> } };
  await rm(setup.dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), 'crr-capture-elsewhere-'));
  config.capture.poller.stateDir = join(dir, 'poller-state');
  await writeFile(join(dir, 'crr.yaml'), stringify(config));
  poller = await startCaptureProcess({ ...setup, dir, configFile: join(dir, 'crr.yaml') }, 'poller');
  assert.match(poller.output(), /capture\.poller\.stateDir is deprecated and ignored/);

  const read = await readChanges(kafka, setup.changesTopic, (cs) => cs.length >= 4, 30_000);
  // A few more polls of the new poller: still nothing else.
  const polled = await listings();
  await until('three more polls', async () => (await listings()) >= polled + 3);
  assert.equal(await topicEnd(kafka, setup.changesTopic), 4, 'no storm: only the changes made while the poller was down');
  assert.deepEqual(summary(read.slice(1)), ['DELETE old/13', 'PUT new/while-down', 'PUT old/07']);
  assert.deepEqual(summary(read.slice(0, 1)), ['PUT seen/before-the-kill']);
  assert.ok(read.every((r) => r.change.captureSource === 'LISTING'));
  assert.equal((await manifestOf(kafka, setup.stateTopic, bucket))?.entries, 41, 'the new snapshot: 40 old keys, one deleted, two added');
  assert.equal(existsSync(join(dir, 'poller-state')), false, 'the deprecated stateDir is not written');
});
