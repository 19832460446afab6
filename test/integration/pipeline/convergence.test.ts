// Issue 5 "Done when", convergence and idempotence: thousands of random operations on two bucket pairs
// (unversioned with an ALL rule, unversioned with a PUT rule, versioned with ALL; one-to-one, as OSS requires) leave every destination
// equal to its source; consuming the changes topic again from offset 0 changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scrape, startStack, waitFor } from '../../helpers/pipeline.ts';
import { changedOrFailed, drained, openUploads, readOutcomes, sampleSum, snapshot, spotCheck, topicCount } from './checks.ts';
import { runWorkload } from './workload.ts';
import { brokerOffsets } from '../../../core/adapters/kafka/offsets.ts';
import { readerAt } from '../../../core/adapters/kafka/read-at.ts';
import { StatusReader } from '../../../processors/status/read-status.ts';

const OPS = Number(process.env.PIPELINE_OPS ?? 5000);
const KEYS = 300;

test(`${OPS} random operations on ${KEYS} keys per pair converge; a replay from offset 0 changes nothing`, { timeout: 480_000 }, async (t) => {
  const stack = await startStack({
    rules: [
      { id: 'plain', source: 'src', destination: 'dst' },
      { id: 'plain-put', source: 'src-put', destination: 'dst-put', action: 'PUT' },
      { id: 'versioned', source: 'vsrc', destination: 'vdst', versioned: true },
    ],
  });
  const t0 = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    // The processor runs as `crr process` (a second core for it; its /metrics are what operators see).
    const proc = await stack.spawnProcessor();
    const { writer, bucket } = stack;
    const [plain, putOnly, versioned] = await Promise.all([
      runWorkload({ store: writer.hz, bucket: bucket('src'), versioned: false, keys: KEYS, ops: Math.round(OPS * 0.6), seed: 1, bigEvery: 1500 }),
      runWorkload({ store: writer.hz, bucket: bucket('src-put'), versioned: false, keys: KEYS, ops: Math.round(OPS * 0.2), seed: 3 }),
      runWorkload({ store: writer.hz, bucket: bucket('vsrc'), versioned: true, keys: KEYS, ops: Math.round(OPS * 0.4), seed: 2, bigEvery: 1500 }),
    ]);
    const workloadEnd = Date.now();
    mark(`workload done (${JSON.stringify(plain.counts)} / ${JSON.stringify(putOnly.counts)} / ${JSON.stringify(versioned.counts)})`);
    assert.ok(plain.counts.delete > 0 && versioned.counts['delete-version'] > 0 && plain.counts['replace-meta'] > 0);

    await stack.waitConverged(['plain', 'plain-put', 'versioned'], 180_000);
    mark('converged');
    await drained(stack);
    mark('drained');

    // verifyRule listed both sides; now the test's own checks.
    const reports = await Promise.all(['plain', 'plain-put', 'versioned'].map((id) => stack.verify(id)));
    for (const r of reports) assert.deepEqual(r.differences, []);
    t.diagnostic(`verified: ${reports.map((r) => `${r.compared} keys/${r.versionsCompared} versions`).join('; ')}`);
    assert.ok(reports[0].inSync > reports[0].compared / 2, 'most keys exist at the end');
    assert.ok(reports[2].versionsCompared > reports[2].compared, 'the versioned pair holds version chains');

    const hz = stack.storeFor('hangzhou');
    const sh = stack.storeFor('shanghai');
    const present = await spotCheck(hz, bucket('src'), sh, bucket('dst'), plain.keys.filter((_, k) => k % 37 === 0).concat(plain.bigKeys));
    assert.ok(present > 0);
    // Version chains compare contents only; the latest version's attributes and bytes are checked here.
    await spotCheck(hz, bucket('vsrc'), sh, bucket('vdst'), versioned.keys);

    // Action PUT kept what the source deleted; ALL removed it.
    const survivors = [];
    for (const key of plain.keys) {
      const [s, all] = await Promise.all([hz.headObject(bucket('src'), key), sh.headObject(bucket('dst'), key)]);
      if (!s) assert.equal(all, null, `${key}: ALL must replicate the delete`);
    }
    for (const key of putOnly.keys) {
      const [s, put] = await Promise.all([hz.headObject(bucket('src-put'), key), sh.headObject(bucket('dst-put'), key)]);
      if (!s && put) survivors.push(key);
    }
    assert.ok(survivors.length > 0, 'PUT replicated no delete');
    for (const b of ['dst', 'dst-put', 'vdst']) assert.equal(await openUploads(sh, bucket(b)), 0, `open uploads on ${b}`);

    // Metrics of the `crr process` child.
    const m = await scrape(proc.metricsUrl);
    const reconciles = (f: (l: Record<string, string>) => boolean) => sampleSum(m, 'crr_reconciles_total', f);
    t.diagnostic(`reconciles: ${JSON.stringify(m.filter((x) => x.name === 'crr_reconciles_total').map((x) => [x.labels.rule, x.labels.op, x.labels.result, x.value]))}`);
    assert.ok(reconciles((l) => l.op === 'copy' && l.result === 'ok') > 0);
    assert.ok(reconciles((l) => l.op === 'delete' && l.rule === 'plain') > 0);
    assert.ok(reconciles((l) => l.op === 'delete_marker' && l.rule === 'versioned') > 0);
    assert.ok(reconciles((l) => l.op === 'update_attributes') > 0);
    assert.equal(reconciles((l) => l.op === 'delete' && l.rule === 'plain-put'), 0);
    assert.equal(reconciles((l) => l.result !== 'ok'), 0);
    const copiedBytes = sampleSum(m, 'crr_copied_bytes_total');
    assert.ok(copiedBytes >= plain.bytesPut / 4, `copied ${copiedBytes} bytes`);
    assert.ok(sampleSum(m, 'crr_oss_requests_total', (l) => l.result === 'ok' && l.op === 'PutObject') > 0);
    assert.ok(sampleSum(m, 'crr_oss_requests_total', (l) => l.op === 'CompleteMultipartUpload') > 0, 'big objects went through multipart');
    assert.ok(sampleSum(m, 'crr_replication_delay_seconds_count') >= reconciles((l) => l.result === 'ok'));
    const delaySum = sampleSum(m, 'crr_replication_delay_seconds_sum');
    assert.ok(delaySum > 0 && delaySum / sampleSum(m, 'crr_replication_delay_seconds_count') < 120, 'mean delay is positive and bounded');
    await waitFor('the lag gauges to reach 0', async () => {
      // The changes lane's partitions (the processor's backfill lane exports its own topic's lag beside them).
      const lag = (await scrape(proc.metricsUrl)).filter((x) => x.name === 'crr_consumer_lag_messages' && x.labels.topic === stack.config.topicNames.changes);
      return lag.length === stack.config.topics.partitions && lag.every((x) => x.value === 0);
    }, 20_000);
    // The bus-wide watermark, from Kafka alone (what `crr status` reports): every rule replicated past the workload's end.
    const offsets = brokerOffsets(stack.kafka);
    const status = await new StatusReader({ offsets, readAt: readerAt(stack.kafka), topics: stack.config.topicNames, groupId: stack.config.processing.groupId,
      rules: stack.config.rules.map((r) => r.id) }).read();
    await offsets.close();
    assert.deepEqual(status.rules.map((r) => r.rule).sort(), ['plain', 'plain-put', 'versioned']);
    for (const r of status.rules) assert.ok(r.replicatedUntilMs! >= workloadEnd - 1000 && r.replicatedUntilMs! <= Date.now() + 1000, `replicated-until of ${r.rule}: ${r.replicatedUntil}`);

    // One outcome per reconcile that changed the destination or failed.
    const changed = reconciles(changedOrFailed);
    const outcomesTopic = stack.config.topicNames.outcomes;
    assert.equal(await topicCount(stack.kafka, outcomesTopic), changed);
    const outcomes = await readOutcomes(stack.kafka, outcomesTopic, changed);
    assert.equal(outcomes.filter((o) => o.result === 'OK' && o.action !== 'NONE').length, changed);
    assert.equal(outcomes.reduce((n, o) => n + o.bytes, 0), copiedBytes);
    assert.equal(await topicCount(stack.kafka, stack.config.topicNames.deadLetter), 0);
    mark(`checked ${changed} outcomes, ${(copiedBytes / 1048576).toFixed(0)} MiB copied`);

    // A clean stop (SIGTERM) drains and exits 0.
    proc.child.kill('SIGTERM');
    await proc.exited;
    assert.equal(proc.child.exitCode, 0);

    // Idempotence: a new group reads the whole changes topic again.
    const before = await Promise.all([snapshot(sh, bucket('dst'), false), snapshot(sh, bucket('dst-put'), false), snapshot(sh, bucket('vdst'), true)]);
    const groupId = `${stack.config.processing.groupId}-again`;
    const again = await stack.spawnProcessor({ groupId });
    await drained(stack, groupId);
    const changes = await topicCount(stack.kafka, stack.config.topicNames.changes);
    mark(`replayed ${changes} changes`);
    const r = await scrape(again.metricsUrl);
    const replayed = sampleSum(r, 'crr_reconciles_total');
    assert.ok(replayed >= changes, `every change reconciled again (${replayed} reconciles for ${changes} changes)`);
    assert.equal(sampleSum(r, 'crr_reconciles_total', changedOrFailed), 0, 'the replay copied, deleted or updated nothing');
    assert.equal(sampleSum(r, 'crr_copied_bytes_total'), 0);
    assert.equal(sampleSum(r, 'crr_oss_requests_total', (l) => /^(Put|Delete|Copy|Initiate|Upload|Complete)/.test(l.op)), 0, 'no writes to OSS');
    assert.equal(await topicCount(stack.kafka, outcomesTopic), changed, 'no new outcomes');
    const after = await Promise.all([snapshot(sh, bucket('dst'), false), snapshot(sh, bucket('dst-put'), false), snapshot(sh, bucket('vdst'), true)]);
    assert.deepEqual(after, before);
  } finally {
    await stack.stop();
  }
});
