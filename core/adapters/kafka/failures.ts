// Kafka failures as CrrErrors a command can report in one line: the broker refused the SASL login,
// TLS to it failed (an untrusted certificate, a plaintext port), or no broker could be reached.
// kafkajs wraps errors in others (retry exhaustion, non-retriable wrappers): the cause chain is searched.
import { CrrError, type Stage } from '../../errors.ts';

/** Node's codes for a certificate that does not verify; every ERR_SSL_* (an alert, a plaintext port) counts too. */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET']);

interface Link { name?: string; message?: string; code?: unknown; type?: unknown; cause?: unknown; broker?: unknown }

function chain(err: unknown): Link[] {
  const links: Link[] = [];
  for (let e = err; e && typeof e === 'object' && links.length < 10; e = (e as Link).cause) links.push(e as Link);
  return links;
}

/** True when `err` or an error in its cause chain is a Kafka protocol error of one of these types (kafkajs names). */
export function hasKafkaErrorType(err: unknown, types: ReadonlySet<string>): boolean {
  return chain(err).some((l) => typeof l.type === 'string' && types.has(l.type));
}

/** A TLS failure no retry fixes: the broker's certificate does not verify, or a side sent an alert. */
export function isTlsFailureCode(code: unknown): boolean {
  return typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_'));
}

/**
 * KAFKA_AUTH_FAILED (SASL refused), KAFKA_TLS_FAILED (the handshake failed for good) or
 * KAFKA_UNREACHABLE (no connection after the retries), or undefined for any other error.
 */
export function kafkaFailure(err: unknown, stage: Stage = 'admin'): CrrError | undefined {
  if (err instanceof CrrError) return ['KAFKA_AUTH_FAILED', 'KAFKA_TLS_FAILED', 'KAFKA_UNREACHABLE'].includes(err.code) ? err : undefined;
  const links = chain(err);
  const sasl = links.find((l) => l.name === 'KafkaJSSASLAuthenticationError' || l.type === 'SASL_AUTHENTICATION_FAILED');
  if (sasl) return new CrrError(`Kafka refused the login: ${sasl.message}`, { code: 'KAFKA_AUTH_FAILED', stage, cause: err });
  const tls = links.find((l) => isTlsFailureCode(l.code));
  if (tls) {
    return new CrrError(`TLS to Kafka${tls.broker ? ` broker ${String(tls.broker)}` : ''} failed: ${tls.message} (${String(tls.code)})`,
      { code: 'KAFKA_TLS_FAILED', stage, cause: err });
  }
  const exhausted = links[0]?.name === 'KafkaJSNumberOfRetriesExceeded';
  const connection = links.find((l) => l.name === 'KafkaJSConnectionError' || UNREACHABLE_CODES.has(String(l.code)));
  if (exhausted && connection) {
    return new CrrError(`cannot reach Kafka${connection.broker ? ` (${String(connection.broker)})` : ''}: ${connection.message}`,
      { code: 'KAFKA_UNREACHABLE', retriable: true, stage, cause: err });
  }
  return undefined;
}
