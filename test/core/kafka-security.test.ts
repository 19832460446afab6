// The Kafka client's TLS and SASL settings from the config: PEM files read at start, the password from
// the environment, every failure a config error naming its field; the replication factor checked
// against the broker count; topics carry min.insync.replicas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busTopicSpecs, checkReplicationFactor } from '../../core/bus-topics.ts';
import { kafkaSecurity } from '../../core/config/kafka-security.ts';
import { parseConfig } from '../../core/config/load.ts';
import { configSchema } from '../../core/config/schema.ts';
import { CrrError } from '../../core/errors.ts';

const caFile = new URL('./fixtures/kafka-ca.pem', import.meta.url).pathname;
const kafkaOf = (kafka: Record<string, unknown>) => configSchema.shape.kafka.parse({ brokers: ['127.0.0.1:9093'], ...kafka });

function problemOf(step: () => unknown): string {
  try {
    step();
  } catch (err) {
    assert.ok(err instanceof CrrError, String(err));
    assert.equal(err.code, 'INVALID_CONFIG');
    return (err.context.problems as string[]).join('\n');
  }
  assert.fail('expected a config error');
}

test('ssl: false, true (system CAs) or files read into PEM options; sasl takes its password from the environment', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-kafka-security-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'client-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));

  assert.deepEqual(kafkaSecurity(kafkaOf({}), {}), { ssl: false });
  assert.deepEqual(kafkaSecurity(kafkaOf({ ssl: true }), {}), { ssl: true });
  const resolved = kafkaSecurity(kafkaOf({
    ssl: { caFile, certFile: caFile, keyFile },
    sasl: { mechanism: 'scram-sha-512', username: 'crr', passwordEnv: 'KAFKA_PW' },
  }), { KAFKA_PW: 'pw' });
  assert.ok(typeof resolved.ssl === 'object');
  assert.match(resolved.ssl.ca!, /^-----BEGIN CERTIFICATE-----/);
  assert.match(resolved.ssl.cert!, /^-----BEGIN CERTIFICATE-----/);
  assert.match(resolved.ssl.key!, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(resolved.ssl.rejectUnauthorized, true);
  assert.deepEqual(resolved.sasl, { mechanism: 'scram-sha-512', username: 'crr', password: 'pw' });
  assert.equal((kafkaSecurity(kafkaOf({ ssl: { rejectUnauthorized: false } }), {}).ssl as { ca?: string }).ca, undefined, 'no caFile: system CAs');
});

test('an unreadable or non-PEM file and an unset password variable are each named by their field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-kafka-security-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  assert.match(problemOf(() => kafkaSecurity(kafkaOf({ ssl: { caFile: join(dir, 'missing.pem') } }), {})),
    /^kafka\.ssl\.caFile: cannot read .*missing\.pem: ENOENT/);
  assert.match(problemOf(() => kafkaSecurity(kafkaOf({ ssl: { caFile: notPem } }), {})), /^kafka\.ssl\.caFile: .*not\.pem does not hold a PEM certificate$/);
  assert.match(problemOf(() => kafkaSecurity(kafkaOf({ ssl: { caFile, certFile: caFile, keyFile: caFile } }), {})),
    /^kafka\.ssl\.keyFile: .* does not hold a PEM private key$/);
  assert.equal(problemOf(() => kafkaSecurity(kafkaOf({ sasl: { mechanism: 'plain', username: 'u', passwordEnv: 'NOPE' } }), {})),
    'kafka.sasl.passwordEnv: environment variable NOPE is not set');
});

const env = { AK: 'a', SK: 'b' };
const base = {
  kafka: { brokers: ['127.0.0.1:9093'] },
  endpoints: {
    hz: { endpoint: 'http://localhost:9001', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK' },
    sh: { endpoint: 'http://localhost:9002', region: 'oss-cn-shanghai', accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK' },
  },
  rules: [{ id: 'r1', source: { endpoint: 'hz', bucket: 'src-a' }, destination: { endpoint: 'sh', bucket: 'dst-a' } }],
};

test('the config refuses a client certificate without its key, an unknown ssl field and min ISR above the replication factor', () => {
  assert.match(problemOf(() => parseConfig({ ...base, kafka: { ...base.kafka, ssl: { certFile: caFile } } }, env)),
    /kafka\.ssl\.keyFile: required with kafka\.ssl\.certFile/);
  assert.match(problemOf(() => parseConfig({ ...base, kafka: { ...base.kafka, ssl: { ca: 'x' } } }, env)), /^kafka\.ssl/);
  assert.match(problemOf(() => parseConfig({ ...base, topics: { replicationFactor: 2, minInsyncReplicas: 3 } }, env)),
    /^topics\.minInsyncReplicas: 3 is more than topics\.replicationFactor 2/);
});

test('topics carry min.insync.replicas when the config sets it, and the broker default otherwise', () => {
  const withIsr = parseConfig({ ...base, topics: { replicationFactor: 3, minInsyncReplicas: 2 } }, env);
  for (const spec of busTopicSpecs(withIsr)) {
    assert.equal(spec.replicationFactor, 3);
    assert.deepEqual(spec.config, { 'min.insync.replicas': '2' }, spec.topic);
  }
  assert.ok(busTopicSpecs(parseConfig(base, env)).every((s) => s.config === undefined));
});

test('a replication factor above the broker count is refused, naming the field, its value and the brokers', () => {
  const cfg = parseConfig({ ...base, topics: { replicationFactor: 3 } }, env);
  checkReplicationFactor(cfg, 3);
  assert.equal(problemOf(() => checkReplicationFactor(cfg, 1)),
    'topics.replicationFactor: 3 is more than the 1 broker of the Kafka cluster; set it to 1 or less, or add brokers');
  assert.match(problemOf(() => checkReplicationFactor(cfg, 2)), /3 is more than the 2 brokers/);
});
