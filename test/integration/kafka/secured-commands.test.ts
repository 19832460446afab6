// `crr capture` and `crr process` against the broker's SASL_SSL listener, as child processes on a YAML
// config (kafka.ssl.caFile, kafka.sasl scram-sha-512): a wrong password exits 4 on the first attempt
// with one line on stderr and no stack trace, an untrusted CA exits 4 with the TLS reason, and a
// replication factor above the broker count exits 2 naming topics.replicationFactor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { countBrokers } from '../../../core/adapters/kafka/cluster.ts';
import { projectRoot } from '../../../deploy/local/kafka/jars.ts';
import { testBrokers, testKafka } from '../../helpers/kafka.ts';
import { freePort } from '../../helpers/net.ts';
import { secureKafkaForFile } from '../../helpers/secure-kafka.ts';

const secure = secureKafkaForFile();
const untrustedCa = new URL('../../core/fixtures/kafka-ca.pem', import.meta.url).pathname;

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

/** Runs `crr ...` to its end (killed after 60 s: a hang is a failure, not a wait). */
function crr(args: string[], env: Record<string, string>): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['bin/crr.js', ...args], { cwd: projectRoot, env: { ...process.env, CRR_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(guard);
    resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
  }));
}

async function configFile(dir: string, kafka: Record<string, unknown>, topics: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, `crr-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({
    kafka: { clientId: 'crr-secured-test', ...kafka },
    topics: { prefix: `crr-secured-${Date.now().toString(36)}.`, partitions: 2, ...topics },
    // Never contacted: these commands fail on Kafka before any OSS request.
    endpoints: {
      hz: { endpoint: 'http://127.0.0.1:9', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'T_AK', accessKeySecretEnv: 'T_SK' },
      sh: { endpoint: 'http://127.0.0.1:9', region: 'oss-cn-shanghai', accessKeyIdEnv: 'T_AK', accessKeySecretEnv: 'T_SK' },
    },
    rules: [{ id: 'r1', source: { endpoint: 'hz', bucket: 'src-bucket' }, destination: { endpoint: 'sh', bucket: 'dst-bucket' } }],
    capture: { receiver: { listen: `127.0.0.1:${await freePort()}`, tokenEnv: 'T_TOKEN' } },
    metrics: { listen: `127.0.0.1:${await freePort()}` },
  }));
  return file;
}

const baseEnv = { T_AK: 'ak', T_SK: 'sk', T_TOKEN: 'token' };

function assertOneLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr + run.stdout, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
}

test('a wrong password: crr process and crr capture exit 4 with one line on stderr, after one login attempt', { timeout: 150_000 }, async (t) => {
  const s = secure();
  const dir = mkdtempSync(join(tmpdir(), 'crr-secured-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = await configFile(dir, { brokers: s.brokers, ssl: { caFile: s.caFile },
    sasl: { mechanism: 'scram-sha-512', username: s.scram.username, passwordEnv: 'T_KAFKA_PASSWORD' } });
  for (const args of [['process', '--config', file], ['capture', '--config', file, '--receiver']]) {
    const run = await crr(args, { ...baseEnv, T_KAFKA_PASSWORD: `${s.scram.password}x` });
    assert.deepEqual([run.code, run.signal], [4, null], run.stderr + run.stdout);
    assertOneLine(run, new RegExp(`^crr: Kafka refused the login: SASL SCRAM SHA512 authentication failed: .*invalid credentials.*; `
      + `check kafka\\.sasl: mechanism scram-sha-512, username ${s.scram.username}, password from \\$T_KAFKA_PASSWORD$`));
    assert.ok(!(run.stderr + run.stdout).includes(s.scram.password), 'the password is never printed');
    // kafkajs logs a refused login twice per attempt (where it fails, where it gives up): no retries.
    const refusals = run.stdout.split('\n').filter((l) => /SASL SCRAM SHA512 authentication failed/.test(l)).length;
    assert.ok(refusals >= 1 && refusals <= 2, `one login attempt, ${refusals} log lines:\n${run.stdout}`);
    t.diagnostic(`crr ${args[0]} with a wrong password exited 4 after ${(run.ms / 1000).toFixed(1)} s (node start included)`);
  }
});

test('a CA that did not sign the broker: crr process exits 4 at once with the TLS reason', { timeout: 90_000 }, async (t) => {
  const s = secure();
  const dir = mkdtempSync(join(tmpdir(), 'crr-secured-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = await configFile(dir, { brokers: s.brokers, ssl: { caFile: untrustedCa },
    sasl: { mechanism: 'scram-sha-512', username: s.scram.username, passwordEnv: 'T_KAFKA_PASSWORD' } });
  const run = await crr(['process', '--config', file], { ...baseEnv, T_KAFKA_PASSWORD: s.scram.password });
  assert.deepEqual([run.code, run.signal], [4, null], run.stderr + run.stdout);
  assertOneLine(run, /^crr: TLS to Kafka broker 127\.0\.0\.1:\d+ failed: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\); check kafka\.ssl\.caFile \(.*kafka-ca\.pem\): is it the CA that signed the broker's certificate\?$/);
  t.diagnostic(`untrusted CA: exited 4 after ${(run.ms / 1000).toFixed(1)} s (node start included)`);
});

test('a replication factor above the broker count: crr process exits 2 naming topics.replicationFactor, its value and the broker count', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-secured-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const brokers = await countBrokers(testKafka('rf-check-test'));
  const rf = brokers + 2;
  const file = await configFile(dir, { brokers: testBrokers() }, { replicationFactor: rf });
  const run = await crr(['process', '--config', file], baseEnv);
  assert.deepEqual([run.code, run.signal], [2, null], run.stderr + run.stdout);
  assert.match(run.stderr, new RegExp(`topics\\.replicationFactor: ${rf} is more than the ${brokers} brokers? of the Kafka cluster`));
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});
