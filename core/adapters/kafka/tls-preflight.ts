// One TLS handshake with a seed broker before kafkajs connects. kafkajs retries a certificate it
// cannot verify (or a broker's refusal of the client's) like any connection error, over 20 s with the
// bus's retry settings; this check fails at once instead. A broker that does not answer is left to
// kafkajs's own retries.
import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { CrrError } from '../../errors.ts';
import { isTlsFailureCode } from './failures.ts';

const CLIENT_CERT_VERDICT_MS = 500;

type Outcome = { ok: true } | { ok: false; error: NodeJS.ErrnoException };

function handshake(host: string, port: number, tls: ConnectionOptions, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ ...tls, host, port, ...(isIP(host) ? {} : { servername: host }) });
    const done = (o: Outcome) => { clearTimeout(timer); socket.destroy(); resolve(o); };
    const timer = setTimeout(() => done({ ok: false, error: Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }) }), timeoutMs);
    // Under TLS 1.3 the broker judges a client certificate after the client's side of the handshake
    // is done: its refusal arrives as an alert a moment later.
    socket.once('secureConnect', () => (tls.cert ? setTimeout(() => done({ ok: true }), CLIENT_CERT_VERDICT_MS) : done({ ok: true })));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, error }));
  });
}

/** Throws KAFKA_TLS_FAILED when a seed broker's TLS cannot work with these options; returns otherwise. */
export async function checkBrokerTls(brokers: string[], tls: ConnectionOptions, timeoutMs = 5000): Promise<void> {
  for (const broker of brokers) {
    const at = broker.lastIndexOf(':');
    const outcome = await handshake(broker.slice(0, at), Number(broker.slice(at + 1)), tls, timeoutMs);
    if (outcome.ok) return;
    if (isTlsFailureCode(outcome.error.code)) {
      throw new CrrError(`TLS to Kafka broker ${broker} failed: ${outcome.error.message} (${outcome.error.code})`,
        { code: 'KAFKA_TLS_FAILED', stage: 'admin', cause: outcome.error });
    }
  }
}
