// The SASL_SSL listener a local broker can open beside PLAINTEXT: TLS from the stores keytool made,
// SCRAM-SHA-512/256 users stored in the cluster metadata by the storage tool's format, and a PLAIN
// user in the listener's JAAS config. Passwords are random per data folder, kept in a 0600 file there.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerTls } from './tls.ts';

export interface SaslUser { username: string; password: string }

export interface SecureUsers { scram: SaslUser; plain: SaslUser }

/** What a client needs to reach the secured listener. */
export interface SecureListener {
  /** Bootstrap list of the SASL_SSL listener (host:port, comma-separated). */
  brokers: string;
  /** The CA that signed the broker certificates, PEM. */
  caFile: string;
  /** Has credentials for both SCRAM-SHA-512 and SCRAM-SHA-256. */
  scram: SaslUser & { mechanisms: ('scram-sha-512' | 'scram-sha-256')[] };
  plain: SaslUser;
  /** A client certificate the CA signed, and its key (PEM): the listener asks for one and verifies it when given. */
  client: { certFile: string; keyFile: string };
}

// JAAS option names (user_<name>) take letters, digits and underscores safely.
const SCRAM_USER = 'crr_scram';
const PLAIN_USER = 'crr_plain';

/** The users of a data folder: made once, then read back so restarts and `status` agree. */
export function secureUsers(dataDir: string): SecureUsers {
  const file = join(dataDir, 'secure-users.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SecureUsers;
  const users: SecureUsers = {
    scram: { username: SCRAM_USER, password: randomBytes(18).toString('base64url') },
    plain: { username: PLAIN_USER, password: randomBytes(18).toString('base64url') },
  };
  writeFileSync(file, JSON.stringify(users, null, 2), { mode: 0o600 });
  return users;
}

/** Changes whenever the users do, so a folder formatted for other credentials is formatted again. */
export function usersFingerprint(users: SecureUsers): string {
  return createHash('sha256').update(JSON.stringify(users)).digest('hex').slice(0, 16);
}

/** Storage-tool arguments that store the SCRAM credentials in the metadata log at format time (KIP-900). */
export function scramFormatArgs(users: SecureUsers): string[] {
  const { username, password } = users.scram;
  return ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((m) => ['--add-scram', `${m}=[name=${username},password=${password}]`]);
}

/** server.properties lines for the listener named SASL_SSL (the caller adds it to listeners and the protocol map). */
export function secureListenerProperties(tls: BrokerTls, users: SecureUsers): string[] {
  const p = 'listener.name.sasl_ssl.';
  return [
    `${p}ssl.keystore.type=PKCS12`,
    `${p}ssl.keystore.location=${tls.keystore}`,
    `${p}ssl.keystore.password=${tls.keystorePassword}`,
    `${p}ssl.key.password=${tls.keystorePassword}`,
    `${p}ssl.truststore.type=PKCS12`,
    `${p}ssl.truststore.location=${tls.truststore}`,
    `${p}ssl.truststore.password=${tls.truststorePassword}`,
    // Requested, not required: SASL alone logs a client in; a certificate, when given, must verify.
    `${p}ssl.client.auth=requested`,
    `${p}sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN`,
    `${p}scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${p}scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${p}plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${users.plain.username}="${users.plain.password}";`,
  ];
}

export function secureListener(addresses: string[], tls: BrokerTls, users: SecureUsers): SecureListener {
  return {
    brokers: addresses.join(','),
    caFile: tls.ca.caFile,
    scram: { ...users.scram, mechanisms: ['scram-sha-512', 'scram-sha-256'] },
    plain: users.plain,
    client: tls.client,
  };
}
