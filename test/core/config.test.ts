import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../core/config/load.ts';
import { CrrError } from '../../core/errors.ts';

const env = { HZ_AK: 'id', HZ_SK: 'secret', SH_AK: 'id2', SH_SK: 'secret2', TOKEN: 't' };
const valid = {
  kafka: { brokers: ['127.0.0.1:19092'] },
  endpoints: {
    hz: { endpoint: 'http://localhost:9001', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'HZ_AK', accessKeySecretEnv: 'HZ_SK' },
    sh: { endpoint: 'http://localhost:9002', region: 'oss-cn-shanghai', accessKeyIdEnv: 'SH_AK', accessKeySecretEnv: 'SH_SK' },
  },
  rules: [{ id: 'r1', source: { endpoint: 'hz', bucket: 'src-a' }, destination: { endpoint: 'sh', bucket: 'dst-a' } }],
  capture: { receiver: { tokenEnv: 'TOKEN' } },
};

function problemsOf(raw: unknown, e: NodeJS.ProcessEnv = env): string[] {
  try {
    parseConfig(raw, e);
  } catch (err) {
    assert.ok(err instanceof CrrError);
    assert.equal(err.code, 'INVALID_CONFIG');
    return err.context.problems as string[];
  }
  assert.fail('expected the config to be rejected');
}

test('a valid config gets defaults, derived topic names and credentials from the environment', () => {
  const cfg = parseConfig(valid, env);
  assert.equal(cfg.rules[0].action, 'ALL');
  assert.deepEqual(cfg.rules[0].prefixes, []);
  assert.equal(cfg.topicNames.changes, 'crr.changes');
  assert.equal(cfg.topicNames.deadLetter, 'crr.dead-letter');
  assert.equal(cfg.processing.concurrency, 64);
  assert.equal(cfg.capture.receiver?.path, '/events');
  assert.deepEqual(cfg.credentials('sh'), { accessKeyId: 'id2', accessKeySecret: 'secret2' });
});

test('an absent section gets the defaults an empty one gets, each written once in the schema', () => {
  const absent = parseConfig(valid, env);
  const empty = parseConfig({ ...valid, topics: {}, processing: {}, metrics: {}, capture: { ...valid.capture } }, env);
  for (const section of ['topics', 'processing', 'metrics'] as const) assert.deepEqual(absent[section], empty[section], section);
  assert.deepEqual(absent.topics, { prefix: 'crr.', partitions: 12, replicationFactor: 1 });
  assert.equal(absent.processing.handoverGraceMs, 500);
  assert.equal(absent.metrics.listen, '127.0.0.1:9464');
  const { capture: _, ...noCapture } = valid;
  assert.deepEqual(parseConfig(noCapture, env).capture, { replicatorPrincipals: [] });
});

test('errors name the field that is wrong', () => {
  const bad = structuredClone(valid) as Record<string, any>;
  bad.rules[0].action = 'SOME';
  delete bad.rules[0].destination.bucket;
  bad.kafka.brokers = ['nohostport'];
  const problems = problemsOf(bad);
  assert.ok(problems.some((p) => p.startsWith('rules[0].action:')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('rules[0].destination.bucket:')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('kafka.brokers[0]:')), problems.join('\n'));
});

test('unknown fields, unknown endpoints, duplicate ids and missing secrets are each named', () => {
  const bad = structuredClone(valid) as Record<string, any>;
  bad.rules.push({ ...bad.rules[0], source: { endpoint: 'nowhere', bucket: 'src-b' }, destination: { endpoint: 'sh', bucket: 'dst-b' } });
  assert.deepEqual(problemsOf(bad).sort(), [
    'rules[1].id: duplicate rule id "r1"',
    'rules[1].source.endpoint: no endpoint named "nowhere"',
  ]);
  assert.match(problemsOf({ ...valid, extra: 1 })[0], /^\(root\): .*extra/);
  assert.deepEqual(problemsOf(valid, { ...env, SH_SK: '' }), ['endpoints.sh.accessKeySecretEnv: environment variable SH_SK is not set']);
});

test('the error message never contains a secret value', () => {
  try {
    parseConfig({ ...valid, rules: [] }, env);
    assert.fail('expected rejection');
  } catch (err) {
    assert.ok(!String((err as Error).message).includes('secret2'));
    assert.match((err as Error).message, /rules:/);
  }
});

test('capture.poller.rules takes rule ids of the file and * patterns (which may match rules only the rules topic holds)', () => {
  const withPoller = (rules: string[]) => ({ ...valid, capture: { poller: { rules } } });
  assert.deepEqual(parseConfig(withPoller(['r1', '*', 'tenant-*']), env).capture.poller?.rules, ['r1', '*', 'tenant-*']);
  assert.deepEqual(problemsOf(withPoller(['r2'])), ['capture.poller.rules[0]: no rule with id "r2" (a rule that lives only on the rules topic is polled through a pattern such as "*")']);
  assert.match(problemsOf(withPoller(['a b']))[0], /^capture\.poller\.rules\[0\]: must be a rule id or a pattern/);
});
