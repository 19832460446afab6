// kafkaFailure reads kafkajs's error chains (wrappers around the error that counts) into the three
// codes the command line turns into exit codes; anything else stays unclassified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaFailure } from '../../../../core/adapters/kafka/failures.ts';
import { CrrError } from '../../../../core/errors.ts';

function kafkaError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

test('a refused SASL login, even wrapped, is KAFKA_AUTH_FAILED and not retriable', () => {
  const sasl = kafkaError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials');
  const wrapped = kafkaError('KafkaJSNonRetriableError', sasl.message, { cause: sasl });
  for (const err of [sasl, wrapped]) {
    const f = kafkaFailure(err);
    assert.equal(f?.code, 'KAFKA_AUTH_FAILED');
    assert.equal(f?.retriable, false);
    assert.equal(f?.message, 'Kafka refused the login: SASL SCRAM SHA512 authentication failed: invalid credentials');
  }
  assert.equal(kafkaFailure(kafkaError('KafkaJSProtocolError', 'x', { type: 'SASL_AUTHENTICATION_FAILED' }))?.code, 'KAFKA_AUTH_FAILED');
});

test('an unverifiable certificate is KAFKA_TLS_FAILED; retries exhausted on refused connections are KAFKA_UNREACHABLE', () => {
  const tls = kafkaError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain',
    { code: 'SELF_SIGNED_CERT_IN_CHAIN', broker: '127.0.0.1:9093' });
  const exhaustedTls = kafkaError('KafkaJSNumberOfRetriesExceeded', tls.message, { cause: tls });
  assert.equal(kafkaFailure(exhaustedTls)?.code, 'KAFKA_TLS_FAILED');
  assert.equal(kafkaFailure(exhaustedTls)?.message,
    'TLS to Kafka broker 127.0.0.1:9093 failed: Connection error: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)');

  const refused = kafkaError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED', broker: '127.0.0.1:1' });
  const exhausted = kafkaError('KafkaJSNumberOfRetriesExceeded', refused.message, { cause: refused });
  assert.equal(kafkaFailure(exhausted)?.code, 'KAFKA_UNREACHABLE');
  assert.equal(kafkaFailure(exhausted)?.retriable, true);
  assert.equal(kafkaFailure(refused), undefined, 'one refused connection is not yet a verdict');
});

test('other errors stay unclassified; a classified CrrError passes through', () => {
  assert.equal(kafkaFailure(new TypeError('bug')), undefined);
  assert.equal(kafkaFailure(kafkaError('KafkaJSProtocolError', 'The group is rebalancing', { type: 'REBALANCE_IN_PROGRESS' })), undefined);
  assert.equal(kafkaFailure('a string'), undefined);
  const known = new CrrError('x', { code: 'KAFKA_AUTH_FAILED' });
  assert.equal(kafkaFailure(known), known);
  assert.equal(kafkaFailure(new CrrError('x', { code: 'INVALID_CONFIG' })), undefined);
});
