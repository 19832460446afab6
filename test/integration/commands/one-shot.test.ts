// One-shot commands (issue 12, item 7): `crr verify` and `crr dlq replay` run beside a processor that holds the
// metrics port, with only the secrets they use, and create no topics; `crr dlq replay --rule R` leaves the other
// rules' letters replayable and waits for letters it has not fetched yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createProducer } from '../../../core/adapters/kafka/producer.ts';
import { missingTopics } from '../../../core/adapters/kafka/topics.ts';
import { topicNames } from '../../../core/topic-table.ts';
import { deadLetterRecord } from '../../../processors/dead-letter.ts';
import { changeRecord, repairChange } from '../../../schemas/records.ts';
import { projectRoot, startStack } from '../../helpers/pipeline.ts';
import { topicCount } from '../pipeline/checks.ts';

function crr(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin/crr.js'), ...args], {
    cwd: projectRoot, env: { ...env, CRR_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

const without = (env: Record<string, string | undefined>, names: string[]) => Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));

test('crr verify and crr dlq replay need no metrics port, create no topics, and need only their secrets; a replay of one rule keeps the others replayable', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({ rules: [{ id: 'ra', source: 'sa', destination: 'da' }, { id: 'rb', source: 'sb', destination: 'db' }] });
  // A processor's metrics endpoint already holds the configured port.
  const [, port] = stack.config.metrics.listen.split(':');
  const holder = createServer().listen(Number(port), '127.0.0.1');
  await new Promise((r) => holder.once('listening', r));
  try {
    const base = { ...process.env, ...stack.env };
    const receiverToken = stack.config.capture.receiver!.tokenEnv;
    const ossSecrets = Object.values(stack.config.endpoints).flatMap((e) => [e.accessKeyIdEnv, e.accessKeySecretEnv]).filter((v): v is string => v !== undefined);

    // verify: one object differs; no receiver token; a topics prefix whose topics do not exist.
    await stack.writer.hz.putObject(stack.bucket('sa'), 'k1', Buffer.from('x'), { headers: {}, contentLength: 1 });
    const prefix = `${stack.config.topics.prefix}none.`;
    const raw = { ...stack.raw, topics: { ...stack.raw.topics, prefix } };
    const otherConfig = join(stack.dir, 'other-prefix.yaml');
    writeFileSync(otherConfig, stringify(raw));
    const verified = await crr(['verify', '--config', otherConfig, '--rule', 'ra', '--json'], without(base, [receiverToken]));
    assert.equal(verified.code, 1, verified.err);
    const report = JSON.parse(verified.out.trim().split('\n')[0]);
    assert.deepEqual([report.rule, report.differences.map((d: { key: string }) => d.key)], ['ra', ['k1']]);
    const names = Object.values(topicNames(prefix));
    assert.deepEqual(await missingTopics(stack.kafka, names), names, 'verify created no topic');
    const repair = await crr(['verify', '--config', otherConfig, '--rule', 'ra', '--repair'], without(base, [receiverToken]));
    assert.equal(repair.code, 2);
    assert.match(repair.err, new RegExp(`topic\\(s\\) ${prefix.replace(/\./g, '\\.')}changes do not exist`));

    // Dead letters: 3 of rule ra and 2 of rb, interleaved on one partition key.
    const producer = await createProducer(stack.kafka);
    const letters = ['ra', 'rb', 'ra', 'rb', 'ra'].map((rule, i) => {
      const change = repairChange({ id: rule, sourceBucket: stack.bucket(rule === 'ra' ? 'sa' : 'sb'), region: 'oss-cn-hangzhou' }, `k${i}`, Date.now());
      const rec = changeRecord(change);
      return deadLetterRecord({ topic: stack.config.topicNames.changes, partition: 0, offset: String(i), key: Buffer.from('same-key'), value: rec.value as Buffer,
        headers: {}, timestamp: Date.now() }, { stage: 'reconcile', error: new Error('denied'), ruleId: rule, attempts: 1, now: Date.now() });
    });
    await producer.send(stack.config.topicNames.deadLetter, letters);
    await producer.disconnect();
    const changesBefore = await topicCount(stack.kafka, stack.config.topicNames.changes);

    // dlq replay uses no OSS endpoint and no receiver: none of those secrets.
    const replayEnv = without(base, [receiverToken, ...ossSecrets]);
    const first = await crr(['dlq', 'replay', '--config', stack.configFile, '--rule', 'ra'], replayEnv);
    assert.equal(first.code, 0, first.err);
    assert.deepEqual(JSON.parse(first.out.trim().split('\n').pop()!), { replayed: 3, skippedOtherRule: 2, notReplayable: 0 });
    const second = await crr(['dlq', 'replay', '--config', stack.configFile, '--rule', 'rb'], replayEnv);
    assert.equal(second.code, 0, second.err);
    assert.deepEqual(JSON.parse(second.out.trim().split('\n').pop()!), { replayed: 2, skippedOtherRule: 3, notReplayable: 0 },
      'the letters rule ra skipped are still there for rule rb');
    const again = await crr(['dlq', 'replay', '--config', stack.configFile, '--rule', 'rb'], replayEnv);
    assert.deepEqual(JSON.parse(again.out.trim().split('\n').pop()!), { replayed: 0, skippedOtherRule: 0, notReplayable: 0 }, 'a rule\'s group remembers');
    assert.equal(await topicCount(stack.kafka, stack.config.topicNames.changes), changesBefore + 5);
    t.diagnostic(`verify: ${verified.out.trim()}`);
  } finally {
    holder.close();
    await stack.stop();
  }
});
