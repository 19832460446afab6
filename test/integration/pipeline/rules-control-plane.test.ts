// Rules as a control plane, on the broker and local OSS: while capture (in this process, following the rules
// topic) and a `crr process` child run, `crr rules apply` adds a rule, which replicates within 10 s with no
// restart; `crr rules pause` holds its changes (captured, not replicated, not dead-lettered); `crr rules
// resume` catches them up; `crr rules delete` stops its capture (the receiver refuses the bucket's events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { topicOffsets } from '../../../core/adapters/kafka/offsets.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { metricSum, scrape, startStack, waitFor } from '../../helpers/pipeline.ts';

test('crr rules apply, pause, resume and delete take effect in running capture and processors', { timeout: 300_000 }, async (t) => {
  const stack = await startStack({
    rules: [{ id: 'r1', source: 'src-1', destination: 'dst-1' }],
    buckets: [{ bucket: 'src-2', endpoint: 'hangzhou' }, { bucket: 'dst-2', endpoint: 'shanghai' }],
    followRulesTopic: true,
  });
  try {
    const crr = async (...args: string[]) => {
      const child = spawnCrr([...args, '--config', stack.configFile], { env: { ...process.env, CRR_LOG_LEVEL: 'warn', ...stack.env } });
      let stdout = '';
      child.child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
      const { code } = await child.exited;
      assert.equal(code, 0, `crr ${args.join(' ')}:\n${child.output()}`);
      return stdout;
    };
    const [src2, dst2] = [stack.bucket('src-2'), stack.bucket('dst-2')];
    const put = (bucket: string, key: string) => stack.writer.hz.putObject(bucket, key, Buffer.from(`body of ${key}`), { headers: { 'Content-Type': 'text/plain' }, contentLength: `body of ${key}`.length });
    const replicated = async (key: string) => (await stack.writer.sh.headObject(dst2, key)) != null;
    const processor = await stack.spawnProcessor();
    const halted = async () => (await scrape(processor.metricsUrl)).find((s) => s.name === 'crr_rule_halted' && s.labels.rule === 'r2' && s.labels.reason === 'paused')?.value;
    const published = () => metricSum(stack.metrics.eventsPublished, (l) => l.rule === 'r2');

    // The processor is up and replicating the seeded rule.
    await put(stack.bucket('src-1'), 'warm');
    await waitFor('r1 replicates', async () => (await stack.writer.sh.headObject(stack.bucket('dst-1'), 'warm')) != null, 90_000);

    const file = join(stack.dir, 'rules.yaml');
    writeFileSync(file, stringify({ rules: [{ id: 'r2', source: { endpoint: 'hangzhou', bucket: src2 }, destination: { endpoint: 'shanghai', bucket: dst2 } }] }));
    const diff = JSON.parse(await crr('rules', 'apply', '-f', file, '--json')) as Record<string, unknown>;
    assert.deepEqual(diff, { added: ['r2'], changed: [], unchanged: [], kept: ['r1'], applied: true });
    const applied = Date.now();
    // Capture may hear of the rule a moment after the apply returns: the notifier retries a refused event.
    await put(src2, 'a');
    await waitFor('the new rule replicates', () => replicated('a'), 10_000, 100);
    t.diagnostic(`the new rule replicated ${Date.now() - applied} ms after crr rules apply returned`);

    await crr('rules', 'pause', 'r2');
    await waitFor('the processor halts the paused rule', async () => (await halted()) === 1, 10_000);
    const list = JSON.parse(await crr('rules', 'list', '--json')) as { id: string; state: string }[];
    assert.deepEqual(list.map((r) => [r.id, r.state]), [['r1', 'ACTIVE'], ['r2', 'PAUSED']]);
    const before = await published();
    await put(src2, 'b');
    await waitFor('the paused rule\'s change is captured', async () => (await published()) > before, 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await replicated('b'), false, 'a paused rule replicates nothing');
    const deadLetters = await topicOffsets(stack.kafka, stack.config.topicNames.deadLetter);
    assert.deepEqual(deadLetters.map((p) => p.high), deadLetters.map(() => '0'), 'nothing is dead-lettered');

    await crr('rules', 'resume', 'r2');
    await waitFor('the resumed rule catches up', () => replicated('b'), 10_000, 100);
    assert.equal(await halted(), 0);

    await crr('rules', 'delete', 'r2');
    await waitFor('capture drops the deleted rule', () => !stack.rulesView!.entries().has('r2'), 10_000, 50);
    const [publishedBefore, refusedBefore] = [await published(), await metricSum(stack.metrics.eventsRejected, (l) => l.reason === 'unknown_bucket')];
    await put(src2, 'c');
    await waitFor('the deleted rule\'s bucket is refused', async () => (await metricSum(stack.metrics.eventsRejected, (l) => l.reason === 'unknown_bucket')) > refusedBefore, 10_000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await published(), publishedBefore, 'a deleted rule\'s changes are not captured');
    assert.equal(await replicated('c'), false);
    await stack.waitConverged(['r1'], 30_000);
  } finally {
    await stack.stop();
  }
});
