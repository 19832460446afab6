// The test entry (`npm test`): starts one Kafka broker for the whole run unless KAFKA_BROKERS names
// one, then runs every *.test.ts file under test/ with node's test runner, and stops what it started.
//   npm test                       all tests
//   npm test -- test/core          only files under a path
//   KAFKA_BROKERS=host:port npm test   reuse a running broker
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { start, stop } from '../deploy/local/kafka/broker.ts';
import { projectRoot } from '../deploy/local/kafka/jars.ts';

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
    dataDir: join(projectRoot, '.data', `test-kafka-${startedPort}`),
    log: (l) => console.log(`# ${l}`),
  });
  console.log(`# broker ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  env.KAFKA_BROKERS = info.brokers;
  env.KAFKA_LOG_DIRS = info.logDirs;
  env.KAFKA_VERSION_UNDER_TEST = info.version;
}

const concurrency = env.CRR_TEST_CONCURRENCY ?? '2';
const child = spawn(process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files.map((f) => relative(projectRoot, f))],
  { cwd: projectRoot, env, stdio: 'inherit' });
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
if (startedPort !== undefined) await stop({ port: startedPort, dataDir: join(projectRoot, '.data', `test-kafka-${startedPort}`), wipe: true });
process.exit(code);
