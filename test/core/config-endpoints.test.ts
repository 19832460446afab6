// What the config checks on an OSS endpoint for real OSS: one source of credentials (keys, an STS triple, an
// STS file, the ECS RAM role), a readable CA bundle, addressing, and the acceleration rule across the border
// of the Chinese mainland. Each refusal names its field (crr exits 2 on it).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../core/config/load.ts';
import { CrrError } from '../../core/errors.ts';
import { requestEndpoint } from '../../core/adapters/oss/store-factory.ts';
import { accelerateHost, ossRegion, OSS_REGIONS } from '../../core/oss-regions.ts';

const env = { AK: 'id', SK: 'secret', TOK: 'token' };
const keys = { accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK' };
const config = (endpoints: Record<string, object>, rule: object = { source: { endpoint: 'hz', bucket: 'src-a' }, destination: { endpoint: 'sg', bucket: 'dst-a' } }) => ({
  kafka: { brokers: ['127.0.0.1:19092'] },
  endpoints,
  rules: [{ id: 'r1', ...rule }],
});
const hz = { endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', region: 'cn-hangzhou', ...keys };
const sg = { endpoint: 'https://oss-ap-southeast-1.aliyuncs.com', region: 'oss-ap-southeast-1', ...keys };

function problemsOf(raw: unknown, e: NodeJS.ProcessEnv = env): string[] {
  try {
    parseConfig(raw, e);
  } catch (err) {
    assert.ok(err instanceof CrrError && err.code === 'INVALID_CONFIG');
    return err.context.problems as string[];
  }
  return assert.fail('expected the config to be refused');
}

test('a Hangzhou -> Singapore rule without acceleration is refused, naming the rule, both regions and why', () => {
  const problems = problemsOf(config({ hz, sg }));
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /^rules\[0\]\.destination\.endpoint: rule "r1" replicates between cn-hangzhou \(Chinese mainland\) and ap-southeast-1 \(outside the Chinese mainland\); OSS requires transfer acceleration/);
  assert.match(problems[0], /set accelerate: true on endpoint "sg"/);
  // With acceleration on the destination it passes; the requests go to the overseas acceleration endpoint.
  const cfg = parseConfig(config({ hz, sg: { ...sg, accelerate: true } }), env);
  assert.equal(requestEndpoint(cfg.endpoint('sg')), 'https://oss-accelerate-overseas.aliyuncs.com');
  assert.equal(requestEndpoint(cfg.endpoint('hz')), 'https://oss-cn-hangzhou.aliyuncs.com');
  // Singapore -> Hangzhou accelerates on Hangzhou, through the mainland acceleration endpoint.
  const back = parseConfig(config({ hz: { ...hz, accelerate: true }, sg }, { source: { endpoint: 'sg', bucket: 'a-sg' }, destination: { endpoint: 'hz', bucket: 'a-hz' } }), env);
  assert.equal(requestEndpoint(back.endpoint('hz')), 'https://oss-accelerate.aliyuncs.com');
  // A two-way rule copies both ways: both endpoints must accelerate. (A twoWay rule needs its reverse rule.)
  const pair = config({ hz, sg: { ...sg, accelerate: true } }, { source: { endpoint: 'hz', bucket: 'src-a' }, destination: { endpoint: 'sg', bucket: 'dst-a' }, twoWay: true });
  pair.rules.push({ id: 'r2', source: { endpoint: 'sg', bucket: 'dst-a' }, destination: { endpoint: 'hz', bucket: 'src-a' }, twoWay: true } as never);
  const twoWay = problemsOf(pair);
  assert.deepEqual(twoWay.map((p) => p.split(':')[0]), ['rules[0].source.endpoint', 'rules[1].destination.endpoint']);
});

test('rules inside the mainland, outside it, or on regions the table does not know need no acceleration', () => {
  const sh = { ...hz, endpoint: 'https://oss-cn-shanghai.aliyuncs.com', region: 'oss-cn-shanghai' };
  parseConfig(config({ hz, sg: sh }), env);
  const tokyo = { ...sg, region: 'ap-northeast-1' };
  parseConfig(config({ hz: { ...sg, region: 'cn-hongkong' }, sg: tokyo }), env);
  parseConfig(config({ hz: { ...hz, region: 'private-dc-1' }, sg }), env);
  assert.equal(ossRegion('oss-cn-hongkong')?.mainland, false, 'Hong Kong is outside the mainland');
  assert.equal(accelerateHost('oss-cn-beijing'), 'oss-accelerate.aliyuncs.com');
  assert.equal(new Set(OSS_REGIONS.map((r) => r.id)).size, OSS_REGIONS.length, 'one row per region');
});

test('credentials: exactly one source per endpoint, each checked at start', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sts = join(dir, 'sts.json');
  writeFileSync(sts, JSON.stringify({ AccessKeyId: 'STS.x', AccessKeySecret: 's', SecurityToken: 't', Expiration: '2026-12-01T12:00:00Z' }));
  const only = (ep: object) => config({ hz: { endpoint: hz.endpoint, region: 'cn-hangzhou', ...ep }, sg: { endpoint: hz.endpoint, region: 'cn-shanghai', ...keys } });
  const f = parseConfig(only({ stsFile: sts }), env);
  assert.deepEqual(f.credentialSource('hz'), { kind: 'sts-file', file: sts });
  const r = parseConfig(only({ ecsRamRole: { role: 'crr' } }), env);
  assert.deepEqual(r.credentialSource('hz'), { kind: 'ecs-ram-role', role: 'crr', metadataUrl: 'http://100.100.100.200' });
  const e = parseConfig(only({ ...keys, securityTokenEnv: 'TOK' }), env).credentialSource('hz');
  assert.equal(e.kind === 'env' && e.securityTokenEnv, 'TOK');

  assert.match(problemsOf(only({}))[0], /^endpoints\.hz: needs one source of credentials/);
  assert.match(problemsOf(only({ ...keys, stsFile: sts }))[0], /^endpoints\.hz: needs one source of credentials.*\(not several\)/);
  assert.deepEqual(problemsOf(only({ accessKeyIdEnv: 'AK', securityTokenEnv: 'NOPE' })), [
    'endpoints.hz.accessKeySecretEnv: required with the other key variables', 'endpoints.hz.securityTokenEnv: environment variable NOPE is not set']);
  assert.deepEqual(problemsOf(only({ stsFile: join(dir, 'missing.json') })), [`endpoints.hz.stsFile: cannot read ${join(dir, 'missing.json')}: ENOENT`]);
  writeFileSync(join(dir, 'half.json'), '{"AccessKeyId": "STS.x", "AccessKeySecret": "do-not-print"}');
  const half = problemsOf(only({ stsFile: join(dir, 'half.json') }));
  assert.match(half[0], /^endpoints\.hz\.stsFile: .*SecurityToken is missing/);
  assert.ok(!half[0].includes('do-not-print'), 'no secret in the message');
});

test('caFile: read at start; unreadable or not PEM is refused naming the field; only on https', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sh = { ...hz, region: 'cn-shanghai' };
  assert.deepEqual(problemsOf(config({ hz: { ...hz, caFile: join(dir, 'none.pem') }, sg: sh })), [`endpoints.hz.caFile: cannot read ${join(dir, 'none.pem')}: ENOENT`]);
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
  assert.deepEqual(problemsOf(config({ hz: { ...hz, caFile: join(dir, 'junk.pem') }, sg: sh })), [`endpoints.hz.caFile: ${join(dir, 'junk.pem')} does not hold a PEM certificate`]);
  const ca = join(import.meta.dirname, 'fixtures', 'kafka-ca.pem');
  const cfg = parseConfig(config({ hz: { ...hz, caFile: ca }, sg: sh }), env);
  assert.match(cfg.ca('hz') ?? '', /BEGIN CERTIFICATE/);
  assert.equal(cfg.ca('sg'), undefined);
  assert.match(problemsOf(config({ hz: { ...hz, endpoint: 'http://localhost:9001', caFile: ca }, sg: sh }))[0], /^endpoints\.hz\.caFile: the endpoint is not https/);
});

test('addressing: virtual-hosted by default; a custom domain is neither path style nor accelerated', () => {
  const sh = { ...hz, region: 'cn-shanghai' };
  const cfg = parseConfig(config({ hz, sg: sh }), env);
  assert.equal(cfg.endpoint('hz').addressing, 'virtual-hosted');
  assert.match(problemsOf(config({ hz: { ...hz, cname: true, addressing: 'path' }, sg: sh }))[0], /^endpoints\.hz\.cname:/);
  assert.match(problemsOf(config({ hz: { ...hz, cname: true, accelerate: true }, sg: sh }))[0], /^endpoints\.hz\.accelerate:/);
  assert.match(problemsOf(config({ hz: { ...hz, accelerateEndpoint: 'http://localhost:1' }, sg: sh }))[0], /^endpoints\.hz\.accelerateEndpoint: set accelerate: true/);
});
