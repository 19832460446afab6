// The crr command line as a user scripts it, each command a child process: --version, every command's help
// with examples and exit codes, a bad config exits 2 naming the field (every command; a metrics port in use
// too), an unreachable Kafka
// 3, an OSS endpoint nobody listens on 3, a wrong OSS secret 4, and verify's differences 1 with --json
// lines on stdout that parse, logs and progress on stderr, no stack trace anywhere for these expected
// failures. (A wrong Kafka password exits 4: test/integration/kafka/secured-commands.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createOssClient } from '../../core/adapters/oss/client.ts';
import { freePort } from '../../deploy/local/free-port.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';
import { startOssServer } from '../../deploy/local/oss/server.ts';
import { testBrokers } from '../helpers/kafka.ts';

interface Run { code: number | null; stdout: string; stderr: string }

function crr(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['bin/crr.js', ...args], { cwd: projectRoot, env: { ...process.env, CRR_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(guard);
    resolve({ code, stdout, stderr });
  }));
}

const STACK = /\n\s+at .+:\d+:\d+\)?/;

/** An expected failure: its exit code, its message on stderr (the other lines are JSON logs), no stack trace. */
function assertFailure(run: Run, code: number, message: RegExp, lines = 1): void {
  assert.equal(run.code, code, `exit ${run.code}:\n${run.stderr}\n${run.stdout}`);
  const human = run.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
  assert.equal(human.length, lines, `${lines} line(s) for people on stderr:\n${run.stderr}`);
  assert.match(human.join('\n'), message);
  assert.doesNotMatch(run.stderr + run.stdout, STACK, 'no stack trace');
  for (const l of run.stderr.split('\n').filter((x) => x.startsWith('{'))) JSON.parse(l);
}

test('crr --version prints the package version; every command\'s help has examples and exit codes; a usage mistake exits 2', { timeout: 60_000 }, async () => {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  const runs = await Promise.all([['--version'], ['capture', '--help'], ['process', '--help'], ['verify', '--help'], ['dlq', 'replay', '--help'], ['demo', '--help'],
    ['verify'], ['--help'], ['status', '--help']].map((a) => crr(a)));
  assert.deepEqual([runs[0].code, runs[0].stdout], [0, `${version}\n`]);
  for (const run of [...runs.slice(1, 6), runs[8]]) {
    assert.equal(run.code, 0);
    assert.match(run.stdout, /\nExamples:\n {2}\$ (npx crr|npm start)/);
    assert.match(run.stdout, /\nExit codes:\n {2}0 +ok\n[^]* {2}2 +bad usage or config/);
  }
  assert.match(runs[3].stdout, / {2}1 +differences found/);
  assert.match(runs[3].stdout, /--json/);
  assert.equal(runs[6].code, 2, 'a missing required option is bad usage');
  assert.match(runs[6].stderr, /required option '-c, --config <file>' not specified/);
  assert.match(runs[7].stdout, /Exit codes:[^]* {2}3 +cannot reach Kafka or OSS[^]* {2}4 +authentication failed/);
});

test('the rules and backfill commands\' help has examples and exit codes', { timeout: 120_000 }, async () => {
  // pause stands for resume (rules) and for resume and cancel (backfill): one loop defines them.
  const runs = await Promise.all([['rules', '--help'], ['rules', 'apply', '--help'], ['rules', 'list', '--help'], ['rules', 'pause', '--help'], ['rules', 'delete', '--help'],
    ['backfill', '--help'], ['backfill', 'start', '--help'], ['backfill', 'status', '--help'], ['backfill', 'pause', '--help']].map((a) => crr(a)));
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\nExamples:\n {2}\$ npx crr (rules|backfill) /);
    assert.match(run.stdout, /\nExit codes:\n {2}0 +ok\n[^]* {2}2 +bad usage or config[^]* {2}3 +cannot reach Kafka or OSS/);
  }
  assert.match(runs[1]!.stdout, /--dry-run/);
  assert.match(runs[6]!.stdout, / {2}5 +a backfill job of the rule already runs/);
});

test('crr against a bad config, an unreachable Kafka, an unreachable OSS, a wrong OSS secret, and differences', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-cli-'));
  const run = randomBytes(3).toString('hex');
  const key = { accessKeyId: 'crr-cli', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'crr-cli' };
  const hz = await startOssServer({ region: 'oss-cn-hangzhou', dataDir: join(dir, 'hz'), credentials: [key] });
  const sh = await startOssServer({ region: 'oss-cn-shanghai', dataDir: join(dir, 'sh'), credentials: [key] });
  t.after(async () => {
    await hz.stop();
    await sh.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const [src, dst] = [`cli-src-${run}`, `cli-dst-${run}`];
  const client = (s: typeof hz, bucket: string) => createOssClient({ endpoint: s.endpoint, region: s.region, accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, bucket });
  await client(hz, src).putBucket(src);
  await client(sh, dst).putBucket(dst);
  for (const k of ['a', 'b', 'c']) await client(hz, src).put(k, Buffer.from(`body ${k}`));
  await client(sh, dst).put('stale', Buffer.from('x'));

  const closed = await freePort();
  const config = async (o: { brokers?: string[]; hzEndpoint?: string; extra?: Record<string, unknown> } = {}) => {
    const file = join(dir, `crr-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, stringify({
      kafka: { brokers: o.brokers ?? testBrokers(), clientId: `crr-cli-${run}` },
      topics: { prefix: `crr-cli-${run}.`, partitions: 1 },
      endpoints: {
        hz: { endpoint: o.hzEndpoint ?? hz.endpoint, region: hz.region, accessKeyIdEnv: 'T_AK', accessKeySecretEnv: 'T_SK' },
        sh: { endpoint: sh.endpoint, region: sh.region, accessKeyIdEnv: 'T_AK', accessKeySecretEnv: 'T_SK' },
      },
      rules: [{ id: 'cli', source: { endpoint: 'hz', bucket: src }, destination: { endpoint: 'sh', bucket: dst } }],
      capture: { receiver: { listen: `127.0.0.1:${await freePort()}`, tokenEnv: 'T_TOKEN' } },
      processing: { groupId: `crr-cli-${run}` },
      metrics: { listen: `127.0.0.1:${await freePort()}` },
      ...o.extra,
    }));
    return file;
  };
  const env = { T_AK: key.accessKeyId, T_SK: key.accessKeySecret, T_TOKEN: 'token' };

  const badConfig = await config({ extra: { processing: { groupId: `crr-cli-${run}`, concurrency: 'many' } } });
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  t.after(() => taken.close());
  const takenPort = (taken.address() as { port: number }).port;
  const portTaken = await config({ extra: { metrics: { listen: `127.0.0.1:${takenPort}` } } });
  // One config per run: each serves its metrics on a port of its own.
  const [good, good2, good3, noKafka, noOss] = await Promise.all([config(), config(), config(), config({ brokers: [`127.0.0.1:${closed}`] }),
    config({ hzEndpoint: `http://127.0.0.1:${closed}` })]);
  const [bad, kafkaDown, ossDown, wrongSecret, differences, asText, inUse] = await Promise.all([
    Promise.all([['capture'], ['process'], ['verify'], ['dlq', 'replay']].map((c) => crr([...c, '--config', badConfig], env))),
    crr(['verify', '--config', noKafka, '--json'], env),
    crr(['verify', '--config', noOss, '--json'], env),
    crr(['verify', '--config', good, '--json'], { ...env, T_SK: `${key.accessKeySecret}x` }),
    crr(['verify', '--config', good2, '--json'], env),
    crr(['verify', '--config', good3], env),
    crr(['process', '--config', portTaken], env),
  ]);

  // The rules commands, once the bus's topics exist (the process that found its metrics port taken created them),
  // with the config's rule applied.
  const rulesFile = (rules: unknown[]) => {
    const file = join(dir, `rules-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, stringify({ rules }));
    return file;
  };
  const applied = await crr(['rules', 'apply', '--config', good, '-f', good], env); // a config file is a rules file too
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^added: +cli\n[^]*applied: 1 rule record\(s\) written\n$/);
  const twoSources = rulesFile([{ id: 'other', source: { endpoint: 'hz', bucket: src }, destination: { endpoint: 'sh', bucket: `${dst}-2` } }]);
  const fresh = rulesFile([{ id: 'fresh', source: { endpoint: 'hz', bucket: `${src}-2` }, destination: { endpoint: 'sh', bucket: `${dst}-2` } }]);
  const [rulesBad, rulesKafkaDown, rulesNoFile, rulesConflict, rulesUnknown, rulesDryRun, rulesList] = await Promise.all([
    crr(['rules', 'list', '--config', badConfig], env),
    crr(['rules', 'list', '--config', noKafka, '--json'], env),
    crr(['rules', 'apply', '--config', good, '-f', join(dir, 'absent.yaml')], env),
    crr(['rules', 'apply', '--config', good, '-f', twoSources, '--dry-run'], env),
    crr(['rules', 'pause', 'nope', '--config', good], env),
    crr(['rules', 'apply', '--config', good, '-f', fresh, '--dry-run', '--json'], env),
    crr(['rules', 'list', '--config', good2, '--json'], env),
  ]);
  assertFailure(rulesBad, 2, /^invalid config .*\.yaml:\n {2}- processing\.concurrency: /, 2);
  assertFailure(rulesKafkaDown, 3, /^crr: cannot reach Kafka/);
  assertFailure(rulesNoFile, 2, /^crr: -f .*absent\.yaml: no such file$/);
  // The file's rule and the seeded one (on the topic) share a source bucket: named with its field.
  assertFailure(rulesConflict, 2, /^crr: invalid rules in .*\.yaml:\n {2}- rule "cli" \(on the rules topic\)\.source\.bucket: bucket .* is already the source of rule "other"/, 2);
  assertFailure(rulesUnknown, 2, /^crr: no rule "nope" on the rules topic \(rules: cli\)$/);
  assert.equal(rulesDryRun.code, 0, rulesDryRun.stderr);
  assert.deepEqual(JSON.parse(rulesDryRun.stdout), { added: ['fresh'], changed: [], unchanged: [], kept: ['cli'], applied: false });
  assert.equal(rulesList.code, 0, rulesList.stderr);
  assert.deepEqual((JSON.parse(rulesList.stdout) as { id: string; state: string }[]).map((r) => [r.id, r.state]), [['cli', 'ACTIVE']], 'the dry run wrote nothing');

  for (const r of bad) assertFailure(r, 2, /^invalid config .*\.yaml:\n {2}- processing\.concurrency: /, 2);
  assertFailure(inUse, 2, new RegExp(`^metrics\\.listen: cannot listen on 127\\.0\\.0\\.1:${takenPort}: EADDRINUSE$`));
  assertFailure(kafkaDown, 3, new RegExp(`^crr: cannot reach Kafka.*; check kafka\\.brokers \\(127\\.0\\.0\\.1:${closed}\\)$`));
  assertFailure(ossDown, 3, new RegExp(`^crr: verify cli: source ${src} at http://127\\.0\\.0\\.1:${closed}: .*; check endpoints\\.hz\\.endpoint`));
  assertFailure(wrongSecret, 4, new RegExp(`^crr: verify cli: source ${src} at ${hz.endpoint.replace(/\./g, '\\.')}: .*SignatureDoesNotMatch.*; check the key of endpoints\\.hz: \\$T_AK and \\$T_SK$`));
  assert.ok(!(wrongSecret.stderr + wrongSecret.stdout).includes(key.accessKeySecret), 'the secret is never printed');
  for (const r of [kafkaDown, ossDown, wrongSecret]) assert.equal(r.stdout, '', 'nothing on stdout but --json output');

  assert.equal(differences.code, 1, differences.stderr);
  const reports = differences.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(reports.length, 1);
  assert.deepEqual({ rule: reports[0].rule, compared: reports[0].compared, onlyInSource: reports[0].onlyInSource, onlyInDestination: reports[0].onlyInDestination },
    { rule: 'cli', compared: 4, onlyInSource: 3, onlyInDestination: 1 });
  assert.deepEqual(reports[0].differences.map((d: { key: string }) => d.key), ['a', 'b', 'c', 'stale']);
  assert.doesNotMatch(differences.stderr, STACK);
  // Piped, the progress is plain lines (no carriage return), ending with the rule's count.
  assert.doesNotMatch(differences.stderr, /\r/);
  assert.match(differences.stderr, /^verify cli 4 keys .* \| 4 differences$/m);
  // Without --json: text for people, with the same figures.
  assert.equal(asText.code, 1);
  assert.equal(asText.stdout, `rule cli: ${src} -> ${dst}: 4 compared, 0 in sync, 3 missing in destination, 1 only in destination, 0 differing\n`
    + '  a: missing in destination\n  b: missing in destination\n  c: missing in destination\n  stale: only in destination\n');
});
