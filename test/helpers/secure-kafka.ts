// Test helper: the secured (SASL_SSL) listener of the suite's broker, from the variables test/run.ts
// sets (documented there). Without them (KAFKA_BROKERS given alone), a test file gets a secured
// broker of its own, on free ports, stopped after its last test.
import { after, before } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, type BrokerInfo, type SecureListener } from '../../deploy/local/kafka/broker.ts';
import { freePorts } from '../../deploy/local/free-port.ts';

export interface SecureKafka {
  /** The SASL_SSL bootstrap list. */
  brokers: string[];
  caFile: string;
  /** The CA's PEM text (what kafka.ssl.ca takes). */
  ca: string;
  scram: { username: string; password: string };
  plain: { username: string; password: string };
  /** A client certificate and key (PEM files) the CA signed. */
  client: { certFile: string; keyFile: string };
}

export function secureEnv(s: SecureListener): Record<string, string> {
  return {
    KAFKA_SECURE_BROKERS: s.brokers,
    KAFKA_SECURE_CA_FILE: s.caFile,
    KAFKA_SCRAM_USERNAME: s.scram.username,
    KAFKA_SCRAM_PASSWORD: s.scram.password,
    KAFKA_PLAIN_USERNAME: s.plain.username,
    KAFKA_PLAIN_PASSWORD: s.plain.password,
    KAFKA_SECURE_CLIENT_CERT_FILE: s.client.certFile,
    KAFKA_SECURE_CLIENT_KEY_FILE: s.client.keyFile,
  };
}

function fromEnv(env: NodeJS.ProcessEnv): SecureKafka | undefined {
  const { KAFKA_SECURE_BROKERS: brokers, KAFKA_SECURE_CA_FILE: caFile } = env;
  if (!brokers || !caFile) return undefined;
  return {
    brokers: brokers.split(','), caFile, ca: readFileSync(caFile, 'utf8'),
    scram: { username: env.KAFKA_SCRAM_USERNAME!, password: env.KAFKA_SCRAM_PASSWORD! },
    plain: { username: env.KAFKA_PLAIN_USERNAME!, password: env.KAFKA_PLAIN_PASSWORD! },
    client: { certFile: env.KAFKA_SECURE_CLIENT_CERT_FILE!, keyFile: env.KAFKA_SECURE_CLIENT_KEY_FILE! },
  };
}

/** Call at a test file's top level; the returned function gives the listener inside tests. */
export function secureKafkaForFile(): () => SecureKafka {
  let secure = fromEnv(process.env);
  let own: { info: BrokerInfo; dir: string } | undefined;
  before(async () => {
    if (secure) return;
    const dir = mkdtempSync(join(tmpdir(), 'crr-secure-kafka-'));
    const [broker, controller, securePort] = await freePorts(3);
    const info = await start({ nodePorts: [{ broker, controller, secure: securePort }],
      secure: true, dataDir: dir, version: process.env.KAFKA_VERSION_UNDER_TEST ?? process.env.KAFKA_VERSION });
    own = { info, dir };
    secure = fromEnv(secureEnv(info.secure!));
  }, { timeout: 180_000 });
  after(async () => {
    if (!own) return;
    await own.info.stop({ graceMs: 10_000 });
    rmSync(own.dir, { recursive: true, force: true });
  });
  return () => {
    if (!secure) throw new Error('the secured Kafka listener is not up (its before hook failed)');
    return secure;
  };
}
