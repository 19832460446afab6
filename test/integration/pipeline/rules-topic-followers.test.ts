// What follows the rules topic besides the receiver and the processors, on the broker and local OSS. Capture
// runs with the listing poller only (capture.poller.rules: ["*"]) and no receiver. A rule put on the rules
// topic while it runs is polled from the next poll on: its first listing is a baseline (an object written
// before the rule is not copied: that is backfill), a later write replicates. `crr verify --rule R` and
// `crr status --json` know the rule, which is not in their config file. Once the rule is deleted its bucket is
// no longer listed, its snapshot is tombstoned in the state topic, and a later write is not captured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopicToEnd } from '../../../core/adapters/kafka/read-to-end.ts';
import { ruleSchema } from '../../../core/config/schema.ts';
import { ruleRecord } from '../../../core/rules/rule-record.ts';
import { startCapture } from '../../../producers/capture.ts';
import { manifestKey } from '../../../producers/poller/snapshot-store.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { encode } from '../../../schemas/codec.ts';
import { metricSum, startStack, waitFor } from '../../helpers/pipeline.ts';

test('the listing poller, crr verify and crr status follow a rule applied on the rules topic; deleted, its bucket is no longer listed', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({
    rules: [{ id: 'r1', source: 'src-1', destination: 'dst-1' }],
    buckets: [{ bucket: 'src-2', endpoint: 'hangzhou' }, { bucket: 'dst-2', endpoint: 'shanghai' }],
    followRulesTopic: true, capture: false,
  });
  const config = { ...stack.config, capture: { ...stack.config.capture, receiver: undefined, poller: { rules: ['*'], intervalMs: 300 } } };
  const readState = (onRecord: Parameters<typeof readTopicToEnd>[2]) => readTopicToEnd(stack.kafka, config.topicNames.state, onRecord);
  const capture = await startCapture({ config, producer: stack.producer, storeFor: stack.storeFor, metrics: stack.metrics, logger: stack.logger,
    readState, liveRules: stack.rulesView }, { receiver: false, poller: true });
  try {
    await stack.startProcessing();
    const [src2, dst2] = [stack.bucket('src-2'), stack.bucket('dst-2')];
    const put = (key: string) => stack.writer.hz.putObject(src2, key, Buffer.from(`body of ${key}`), { headers: { 'Content-Type': 'text/plain' }, contentLength: `body of ${key}`.length });
    const replicated = async (key: string) => (await stack.writer.sh.headObject(dst2, key)) != null;
    const polled = () => capture.poller!.buckets().map((b) => b.bucket);
    assert.deepEqual(polled(), [stack.bucket('src-1')], 'at start the poller lists the seeded rule\'s bucket only');

    await put('before-the-rule');
    const rule = ruleSchema.parse({ id: 'r2', source: { endpoint: 'hangzhou', bucket: src2 }, destination: { endpoint: 'shanghai', bucket: dst2 } });
    await stack.producer.send(config.topicNames.rules, [{ key: 'r2', value: encode('Rule', ruleRecord(rule, 'ACTIVE', Date.now())) }]);
    await waitFor('the poller takes the new rule\'s bucket', () => polled().includes(src2), 10_000, 50);
    // pollNow waits for the poll under way and then polls every bucket: the new one's baseline is taken by then.
    const first = (await capture.poller!.pollNow()).find((r) => r.bucket === src2);
    assert.ok(first, 'the new rule\'s bucket is polled');
    const applied = Date.now();
    await put('after-the-rule');
    await waitFor('a write after the rule replicates', () => replicated('after-the-rule'), 10_000, 100);
    t.diagnostic(`replicated ${Date.now() - applied} ms after the write (poll interval 300 ms)`);
    assert.equal(await replicated('before-the-rule'), false, 'the baseline copies nothing: objects older than the rule are backfill');

    // The commands' config file names r1 only: r2 is on the rules topic alone.
    const crr = async (...args: string[]) => {
      const child = spawnCrr([...args, '--config', stack.configFile], { env: { ...process.env, CRR_LOG_LEVEL: 'warn', ...stack.env } });
      let stdout = '';
      child.child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
      const { code } = await child.exited;
      return { code, stdout, output: child.output() };
    };
    const [verify, status] = await Promise.all([crr('verify', '--rule', 'r2', '--json'), crr('status', '--json')]);
    assert.equal(verify.code, 1, `verify finds the object older than the rule missing:\n${verify.output}`);
    const report = JSON.parse(verify.stdout) as { rule: string; compared: number; inSync: number; onlyInSource: number; differences: { key: string }[] };
    assert.deepEqual([report.rule, report.compared, report.inSync, report.onlyInSource, report.differences.map((d) => d.key)], ['r2', 2, 1, 1, ['before-the-rule']]);
    assert.equal(status.code, 0, status.output);
    assert.deepEqual((JSON.parse(status.stdout) as { rules: { rule: string }[] }).rules.map((r) => r.rule).sort(), ['r1', 'r2']);

    await stack.producer.send(config.topicNames.rules, [{ key: 'r2', value: null }]);
    await waitFor('the poller drops the deleted rule\'s bucket', () => !polled().includes(src2), 10_000, 50);
    const results = await capture.poller!.pollNow();
    assert.deepEqual(results.map((r) => r.bucket), [stack.bucket('src-1')], 'the deleted rule\'s bucket is no longer listed');
    const manifests: (Buffer | null)[] = [];
    await readState((m) => { if (m.key?.toString() === manifestKey(src2)) manifests.push(m.value); });
    assert.ok(manifests.length >= 2 && manifests.at(-1) === null, 'the deleted rule\'s snapshot is tombstoned in the state topic');
    const published = await metricSum(stack.metrics.eventsPublished);
    await put('after-the-delete');
    await capture.poller!.pollNow();
    await capture.poller!.pollNow();
    assert.equal(await metricSum(stack.metrics.eventsPublished), published, 'a write after the delete is not captured');
    assert.equal(await replicated('after-the-delete'), false);
  } finally {
    await capture.stop();
    await stack.stop();
  }
});
