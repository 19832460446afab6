// The Kafka adapter over the broker's SASL_SSL listener: records round-trip with SCRAM-SHA-512,
// SCRAM-SHA-256 and PLAIN, TLS verified against the launcher's CA; a wrong password fails on the
// first attempt (no retries) as KAFKA_AUTH_FAILED; a CA that did not sign the broker fails as
// KAFKA_TLS_FAILED; a client certificate from the config is presented, and a stranger's refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka } from '../../../core/adapters/kafka/client.ts';
import { kafkaFailure } from '../../../core/adapters/kafka/failures.ts';
import { createProducer } from '../../../core/adapters/kafka/producer.ts';
import { checkBrokerTls } from '../../../core/adapters/kafka/tls-preflight.ts';
import { countBrokers } from '../../../core/adapters/kafka/cluster.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { kafkaSecurity } from '../../../core/config/kafka-security.ts';
import { CrrError } from '../../../core/errors.ts';
import { createCertificateAuthority } from '../../../deploy/local/kafka/tls.ts';
import { readUntil, uniqueTopic } from '../../helpers/kafka.ts';
import { secureKafkaForFile } from '../../helpers/secure-kafka.ts';

const secure = secureKafkaForFile();

for (const mechanism of ['scram-sha-512', 'scram-sha-256', 'plain'] as const) {
  test(`records round-trip over SASL_SSL with ${mechanism}, TLS verified against the generated CA`, async () => {
    const s = secure();
    const user = mechanism === 'plain' ? s.plain : s.scram;
    const kafka = createKafka({ brokers: s.brokers, clientId: `security-${mechanism}`, ssl: { ca: s.ca }, sasl: { mechanism, ...user } });
    const topic = uniqueTopic(`sasl-${mechanism}`);
    await ensureTopics(kafka, [{ topic, partitions: 2 }]);
    const producer = await createProducer(kafka);
    try {
      await producer.send(topic, Array.from({ length: 20 }, (_, i) => ({ key: `bucket/key-${i}`, value: Buffer.from(`value ${i}`) })));
    } finally {
      await producer.disconnect();
    }
    const read = await readUntil(kafka, topic, (ms) => ms.length >= 20, 30_000);
    assert.deepEqual(read.map((m) => m.value!.toString()).sort(), Array.from({ length: 20 }, (_, i) => `value ${i}`).sort());
  });
}

test('a wrong password fails on the first attempt, as KAFKA_AUTH_FAILED with the broker\'s reason', async (t) => {
  const s = secure();
  for (const [mechanism, user] of [['scram-sha-512', s.scram], ['plain', s.plain]] as const) {
    const attempts: string[] = [];
    // The bus's own retry settings: kafkajs must not retry a refused login.
    const kafka = createKafka({ brokers: s.brokers, clientId: 'security-wrong-password', ssl: { ca: s.ca },
      sasl: { mechanism, username: user.username, password: `${user.password}-wrong` },
      logger: (_level, message) => { if (/authentication failed/i.test(message) && !/Response/.test(message)) attempts.push(message); } });
    const t0 = Date.now();
    const err = await countBrokers(kafka).then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - t0;
    const failure = kafkaFailure(err);
    assert.ok(failure instanceof CrrError, `classified: ${String(err)}`);
    assert.equal(failure.code, 'KAFKA_AUTH_FAILED');
    assert.equal(failure.retriable, false);
    assert.match(failure.message, /^Kafka refused the login: SASL (SCRAM SHA512|PLAIN) authentication failed: .*(invalid credentials|Invalid username or password)/);
    assert.ok(!failure.message.includes(user.password), 'the message holds no password');
    // kafkajs logs each failed authentication once at the SASL layer and once where it gives up:
    // two lines mean one attempt, never a retry.
    assert.ok(attempts.length <= 2 && attempts.length >= 1, attempts.join('\n'));
    t.diagnostic(`${mechanism}: wrong password refused in ${ms} ms`);
  }
});

test('a CA that did not sign the broker\'s certificate fails the handshake at once, as KAFKA_TLS_FAILED', async (t) => {
  const s = secure();
  const dir = mkdtempSync(join(tmpdir(), 'crr-other-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const other = readFileSync((await createCertificateAuthority(dir, 'some-other-ca')).caFile, 'utf8');
  const t0 = Date.now();
  await assert.rejects(checkBrokerTls(s.brokers, { ca: other }), (err: unknown) => {
    assert.ok(err instanceof CrrError);
    assert.equal(err.code, 'KAFKA_TLS_FAILED');
    assert.match(err.message, /^TLS to Kafka broker 127\.0\.0\.1:\d+ failed: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\)$/);
    return true;
  });
  t.diagnostic(`untrusted CA refused in ${Date.now() - t0} ms`);
  await checkBrokerTls(s.brokers, { ca: s.ca }); // the right CA passes the same check

  // Through kafkajs (no retries here, to keep the test short) the failure classifies the same way.
  const kafka = createKafka({ brokers: s.brokers, clientId: 'security-untrusted', ssl: { ca: other }, sasl: { mechanism: 'plain', ...s.plain }, retry: { retries: 0 } });
  const err = await countBrokers(kafka).then(() => undefined, (e: unknown) => e);
  assert.equal(kafkaFailure(err)?.code, 'KAFKA_TLS_FAILED', String(err));
});

test('a client certificate from kafka.ssl.certFile/keyFile: the CA\'s is accepted, a stranger\'s refused by the broker', async (t) => {
  const s = secure();
  const dir = mkdtempSync(join(tmpdir(), 'crr-client-cert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sasl = { mechanism: 'scram-sha-512', username: s.scram.username, passwordEnv: 'T_PW' } as const;
  const env = { T_PW: s.scram.password };
  const signedByCa = kafkaSecurity({ brokers: s.brokers, clientId: 'x', sasl,
    ssl: { caFile: s.caFile, certFile: s.client.certFile, keyFile: s.client.keyFile, rejectUnauthorized: true } }, env);
  assert.equal(await countBrokers(createKafka({ brokers: s.brokers, clientId: 'security-client-cert', ...signedByCa })), 1);

  // A self-signed client certificate (openssl: test material only): the broker's truststore does not know it.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=stranger',
    '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const stranger = kafkaSecurity({ brokers: s.brokers, clientId: 'x', sasl,
    ssl: { caFile: s.caFile, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), rejectUnauthorized: true } }, env);
  const err = await countBrokers(createKafka({ brokers: s.brokers, clientId: 'security-stranger', ...stranger, retry: { retries: 0 } }))
    .then(() => undefined, (e: unknown) => e);
  const failure = kafkaFailure(err);
  assert.equal(failure?.code, 'KAFKA_TLS_FAILED', String(err));
  assert.match(failure!.message, /alert certificate unknown/);
  // The check before kafkajs connects sees the refusal too, so crr fails at once.
  await assert.rejects(checkBrokerTls(s.brokers, stranger.ssl as object), (e: CrrError) => e.code === 'KAFKA_TLS_FAILED' && /alert certificate unknown/.test(e.message));
  await checkBrokerTls(s.brokers, signedByCa.ssl as object);
});
