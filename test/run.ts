// The test entry (`npm test`): starts one Kafka broker for the whole run unless KAFKA_BROKERS names
// one, then runs every *.test.ts file under test/ with node's test runner, and stops what it started.
//   npm test                       all tests
//   npm test -- test/core          only files under a path
//   KAFKA_BROKERS=host:port npm test   reuse a running broker
//
// The broker it starts also opens a SASL_SSL listener (same JVM), handed to tests as:
//   KAFKA_BROKERS                  the PLAINTEXT bootstrap list (host:port)
//   KAFKA_LOG_DIRS                 the broker's log dirs (tests read stored batches)
//   KAFKA_VERSION_UNDER_TEST       the broker's Kafka version
//   KAFKA_SECURE_BROKERS           the SASL_SSL bootstrap list
//   KAFKA_SECURE_CA_FILE           the CA (PEM) that signed the broker's certificate
//   KAFKA_SCRAM_USERNAME / KAFKA_SCRAM_PASSWORD   a user with SCRAM-SHA-512 and SCRAM-SHA-256 credentials
//   KAFKA_PLAIN_USERNAME / KAFKA_PLAIN_PASSWORD   a PLAIN user
//   KAFKA_SECURE_CLIENT_CERT_FILE / KAFKA_SECURE_CLIENT_KEY_FILE   a client certificate and key (PEM) the
//                                  CA signed; the listener asks for one (ssl.client.auth=requested)
// With KAFKA_BROKERS given, the KAFKA_SECURE_* variables may be given too; when they are not, tests
// of the secured listener start a secured broker of their own (test/helpers/secure-kafka.ts).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { start, stop } from '../deploy/local/kafka/broker.ts';
import { secureEnv } from './helpers/secure-kafka.ts';
import { projectRoot } from '../deploy/local/project-root.ts';

function findTests(dir: string): string[] {
  if (statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : [];
  return readdirSync(dir).sort().flatMap((name) => findTests(join(dir, name)));
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = (roots.length ? roots : ['test']).flatMap((r) => findTests(join(projectRoot, r)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const env = { ...process.env };
let startedPort: number | undefined;
if (!env.KAFKA_BROKERS) {
  startedPort = Number(env.CRR_TEST_KAFKA_PORT ?? 29092);
  const t0 = Date.now();
  const info = await start({
    port: startedPort,
    version: env.KAFKA_VERSION,
    secure: true,
    dataDir: join(projectRoot, '.data', `test-kafka-${startedPort}`),
    // Kept across runs (the data folder is wiped at the end): keytool's CA and keystores take seconds.
    tlsDir: join(projectRoot, '.data', `test-kafka-${startedPort}-tls`),
    log: (l) => console.log(`# ${l}`),
  });
  console.log(`# broker ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  env.KAFKA_BROKERS = info.brokers;
  env.KAFKA_LOG_DIRS = info.logDirs;
  env.KAFKA_VERSION_UNDER_TEST = info.version;
  Object.assign(env, secureEnv(info.secure!));
}

const concurrency = env.CRR_TEST_CONCURRENCY ?? '2';
const child = spawn(process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files.map((f) => relative(projectRoot, f))],
  { cwd: projectRoot, env, stdio: 'inherit' });
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
if (startedPort !== undefined) await stop({ port: startedPort, dataDir: join(projectRoot, '.data', `test-kafka-${startedPort}`), wipe: true });
process.exit(code);
