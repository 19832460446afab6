// `crr capture` and `crr process` against the broker's SASL_SSL listener, as child processes on a YAML
// config (kafka.ssl.caFile, kafka.sasl scram-sha-512): they replicate objects between two local OSS
// servers; a wrong password exits 4 on the first attempt with one line on stderr and no stack trace;
// an untrusted CA exits 4 with the TLS reason; a replication factor above the broker count exits 2
// naming topics.replicationFactor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKafka } from '../../../core/adapters/kafka/client.ts';
import { countBrokers } from '../../../core/adapters/kafka/cluster.ts';
import { createOssClient } from '../../../core/adapters/oss/client.ts';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import { projectRoot } from '../../../deploy/local/project-root.ts';
import { startOssServer } from '../../../deploy/local/oss/server.ts';
import { verifyRule, type VerifyReport } from '../../../processors/verify.ts';
import { readUntil, testBrokers, testKafka } from '../../helpers/kafka.ts';
import { freePort } from '../../../deploy/local/free-port.ts';
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

/** One line for people on stderr (the others are the JSON log lines, also on stderr), nothing on stdout. */
function assertOneLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
  assert.equal(lines.length, 1, `one line on stderr besides the logs:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.equal(run.stdout, '', 'logs go to stderr');
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
    const refusals = run.stderr.split('\n').filter((l) => l.startsWith('{') && /SASL SCRAM SHA512 authentication failed/.test(l)).length;
    assert.ok(refusals >= 1 && refusals <= 2, `one login attempt, ${refusals} log lines:\n${run.stderr}`);
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

/** A long-running `crr` child whose output is collected; resolves once `ready` appears in it. */
async function crrRunning(args: string[], env: Record<string, string>, ready: string): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/crr.js', ...args], { cwd: projectRoot, env: { ...process.env, CRR_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!text.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`crr ${args[0]} did not get ready (${child.exitCode === null ? 'timeout' : `exit ${child.exitCode}`}):\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => text, exited };
}

test('crr capture and crr process over SASL_SSL (SCRAM-SHA-512, CA file) replicate objects between two local OSS servers', { timeout: 240_000 }, async (t) => {
  const s = secure();
  const dir = mkdtempSync(join(tmpdir(), 'crr-secured-pipeline-'));
  const run = randomBytes(3).toString('hex');
  const user = { accessKeyId: 'app-user', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'app-user' };
  const replicator = { accessKeyId: 'crr-replicator', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'crr-replicator' };
  const token = randomBytes(16).toString('hex');
  const receiverPort = await freePort();
  const hz = await startOssServer({ region: 'oss-cn-hangzhou', dataDir: join(dir, 'hz'), credentials: [user, replicator],
    webhooks: [{ url: `http://127.0.0.1:${receiverPort}/events`, token }] });
  const sh = await startOssServer({ region: 'oss-cn-shanghai', dataDir: join(dir, 'sh'), credentials: [user, replicator] });
  const children: { child: ChildProcess; exited: Promise<number | null> }[] = [];
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await hz.stop();
    await sh.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const [src, dst] = [`sasl-src-${run}`, `sasl-dst-${run}`];
  for (const [server, bucket] of [[hz, src], [sh, dst]] as const) {
    await createOssClient({ endpoint: server.endpoint, region: server.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret }).putBucket(bucket);
  }

  const prefix = `crr-sasl-${run}.`;
  const raw = (metricsPort: number) => ({
    kafka: { brokers: s.brokers, clientId: `crr-sasl-${run}`, ssl: { caFile: s.caFile },
      sasl: { mechanism: 'scram-sha-512', username: s.scram.username, passwordEnv: 'T_KAFKA_PASSWORD' } },
    topics: { prefix, partitions: 3 },
    endpoints: {
      hz: { endpoint: hz.endpoint, region: hz.region, accessKeyIdEnv: 'T_AK', accessKeySecretEnv: 'T_SK' },
      sh: { endpoint: sh.endpoint, region: sh.region, accessKeyIdEnv: 'T_AK', accessKeySecretEnv: 'T_SK' },
    },
    rules: [{ id: 'sasl', source: { endpoint: 'hz', bucket: src }, destination: { endpoint: 'sh', bucket: dst } }],
    capture: { receiver: { listen: `127.0.0.1:${receiverPort}`, tokenEnv: 'T_TOKEN' }, replicatorPrincipals: [replicator.principalId] },
    processing: { groupId: `crr-sasl-${run}` },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
  });
  const files = { capture: join(dir, 'capture.yaml'), process: join(dir, 'process.yaml') };
  writeFileSync(files.capture, stringify(raw(await freePort())));
  writeFileSync(files.process, stringify(raw(await freePort())));
  const env = { T_AK: replicator.accessKeyId, T_SK: replicator.accessKeySecret, T_TOKEN: token, T_KAFKA_PASSWORD: s.scram.password };
  const capture = await crrRunning(['capture', '--config', files.capture, '--receiver'], env, 'notification receiver listening');
  children.push(capture);
  const processor = await crrRunning(['process', '--config', files.process], env, 'processing changes');
  children.push(processor);

  const writer = createObjectStore({ endpoint: hz.endpoint, region: hz.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret, timeoutMs: 30_000 });
  const put = (key: string, body: string) => writer.putObject(src, key, Buffer.from(body),
    { headers: { 'Content-Type': 'text/plain', 'x-oss-meta-owner': 'sasl-test' }, contentLength: Buffer.byteLength(body) });
  for (let i = 0; i < 20; i++) await put(`objects/${i} ü+%`, `body ${i} `.repeat(i + 1));
  await put('objects/3 ü+%', 'overwritten');
  await writer.deleteObject(src, 'objects/7 ü+%');

  const verify = () => verifyRule({ source: createObjectStore({ endpoint: hz.endpoint, region: hz.region, ...replicator, timeoutMs: 30_000 }), sourceBucket: src,
    destination: createObjectStore({ endpoint: sh.endpoint, region: sh.region, ...replicator, timeoutMs: 30_000 }), destinationBucket: dst, action: 'ALL', versioned: false });
  let report: VerifyReport | undefined;
  const deadline = Date.now() + 90_000;
  while (!((report = await verify()).differences.length === 0 && report.inSync === 19)) {
    if (Date.now() > deadline) assert.fail(`not converged: ${JSON.stringify(report)}\n${processor.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const copy = await createObjectStore({ endpoint: sh.endpoint, region: sh.region, ...replicator, timeoutMs: 30_000 }).headObject(dst, 'objects/3 ü+%');
  assert.equal(copy?.size, Buffer.byteLength('overwritten'), 'the overwrite reached the destination');

  // The changes went through the secured listener: read them back with the same credentials.
  const secured = createKafka({ brokers: s.brokers, clientId: 'sasl-reader', ssl: { ca: s.ca }, sasl: { mechanism: 'scram-sha-512', ...s.scram } });
  const changes = await readUntil(secured, `${prefix}changes`, (ms) => ms.length >= 22, 30_000);
  assert.ok(changes.length >= 22, `${changes.length} changes on the topic`);

  for (const c of [capture, processor]) c.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all([capture.exited, processor.exited]), [0, 0], capture.output().slice(-2000) + processor.output().slice(-2000));
});
