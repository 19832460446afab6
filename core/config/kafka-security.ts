// The Kafka client's TLS and SASL settings, resolved at start: the PEM files named in kafka.ssl are
// read and checked, the SASL password is taken from the environment. Whatever is missing or
// unreadable is a config error naming its field, before any connection is tried.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CrrError } from '../errors.ts';
import type { CrrConfigFile } from './schema.ts';

export interface KafkaTls {
  /** PEM; absent: the system CAs. */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaSecurity {
  ssl: boolean | KafkaTls;
  sasl?: KafkaSasl;
}

type ReadFile = (file: string) => string;

function invalid(problem: string, source: string): CrrError {
  return new CrrError(`invalid config ${source}:\n  - ${problem}`, { code: 'INVALID_CONFIG', stage: 'config', context: { problems: [problem] } });
}

export function kafkaSecurity(kafka: CrrConfigFile['kafka'], env: NodeJS.ProcessEnv, source = '(inline)',
  read: ReadFile = (f) => readFileSync(f, 'utf8')): KafkaSecurity {
  const pemFile = (field: string, file: string, check: (pem: string) => void, what: string): string => {
    let pem: string;
    try {
      pem = read(file);
    } catch (err) {
      throw invalid(`${field}: cannot read ${file}: ${(err as Error).message}`, source);
    }
    try {
      check(pem);
    } catch {
      throw invalid(`${field}: ${file} does not hold a PEM ${what}`, source);
    }
    return pem;
  };
  const { ssl: tls, sasl } = kafka;
  let ssl: boolean | KafkaTls = tls === true;
  if (typeof tls === 'object') {
    const cert = (pem: string) => new X509Certificate(pem);
    ssl = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.caFile ? { ca: pemFile('kafka.ssl.caFile', tls.caFile, cert, 'certificate') } : {}),
      ...(tls.certFile ? { cert: pemFile('kafka.ssl.certFile', tls.certFile, cert, 'certificate') } : {}),
      ...(tls.keyFile ? { key: pemFile('kafka.ssl.keyFile', tls.keyFile, (pem) => createPrivateKey(pem), 'private key') } : {}),
    };
  }
  if (!sasl) return { ssl };
  const password = env[sasl.passwordEnv];
  if (!password) throw invalid(`kafka.sasl.passwordEnv: environment variable ${sasl.passwordEnv} is not set`, source);
  return { ssl, sasl: { mechanism: sasl.mechanism, username: sasl.username, password } };
}
