// The credentials providers: the STS file is followed as it is rewritten (and a half-written file keeps the
// last good key), the environment is read per request, and the ECS RAM role is fetched from a metadata
// service on loopback (hardened-mode session token included), refreshed before it expires and at once after
// OSS refused it.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ecsRamRoleCredentials } from '../../../../core/adapters/oss/credentials/ecs-ram-role.ts';
import { envCredentials } from '../../../../core/adapters/oss/credentials/env.ts';
import { stsFileCredentials } from '../../../../core/adapters/oss/credentials/sts-file.ts';
import { CrrError } from '../../../../core/errors.ts';

const sts = (n: number, expiration = '2026-12-01T12:00:00Z') =>
  JSON.stringify({ AccessKeyId: `STS.id${n}`, AccessKeySecret: `secret${n}`, SecurityToken: `token${n}`, Expiration: expiration });

test('an STS file is re-read when it changes (checked at most once a second), and at once after a refusal', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-sts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sts.json');
  writeFileSync(file, sts(1));
  let clock = 1_000_000;
  const p = stsFileCredentials(file, { now: () => clock });
  assert.deepEqual(p.current(), { accessKeyId: 'STS.id1', accessKeySecret: 'secret1', securityToken: 'token1', expiration: Date.parse('2026-12-01T12:00:00Z') });
  writeFileSync(file, sts(2));
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal((p.current() as { accessKeyId: string }).accessKeyId, 'STS.id1', 'within the second the held key is used');
  clock += 1000;
  assert.equal((p.current() as { accessKeyId: string }).accessKeyId, 'STS.id2', 'after it the new file is read');
  writeFileSync(file, sts(3));
  utimesSync(file, new Date(), new Date(Date.now() + 10_000));
  p.refused();
  assert.equal((p.current() as { accessKeyId: string }).accessKeyId, 'STS.id3', 'a refusal looks again at once');
  writeFileSync(file, '{"AccessKeyId": "STS.id4", "AccessKey');
  utimesSync(file, new Date(), new Date(Date.now() + 15_000));
  clock += 1000;
  assert.equal((p.current() as { accessKeyId: string }).accessKeyId, 'STS.id3', 'a half-written file keeps the last good key');
});

test('an STS file that never held credentials fails with a retriable error naming the file, never a value', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-sts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sts.json');
  writeFileSync(file, JSON.stringify({ AccessKeyId: 'STS.leak', AccessKeySecret: 'do-not-print' }));
  assert.throws(() => stsFileCredentials(file).current(), (e: unknown) => e instanceof CrrError && e.code === 'CREDENTIALS_UNAVAILABLE' && e.retriable &&
    e.message.includes(file) && e.message.includes('SecurityToken') && !e.message.includes('do-not-print'));
});

test('environment credentials follow the environment on every request; the same values give the same object', () => {
  const env: NodeJS.ProcessEnv = { AK: 'STS.a', SK: 's1', TOK: 't1' };
  const p = envCredentials(env, { accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK', securityTokenEnv: 'TOK' });
  const first = p.current();
  assert.deepEqual(first, { accessKeyId: 'STS.a', accessKeySecret: 's1', securityToken: 't1' });
  assert.equal(p.current(), first);
  Object.assign(env, { AK: 'STS.b', SK: 's2', TOK: 't2' });
  assert.deepEqual(p.current(), { accessKeyId: 'STS.b', accessKeySecret: 's2', securityToken: 't2' });
  delete env.TOK;
  assert.throws(() => p.current(), (e: unknown) => e instanceof CrrError && e.code === 'CREDENTIALS_UNAVAILABLE' && e.message.includes('TOK'));
});

interface Metadata { url: string; fetches: number; sessions: number; lifetimeMs: number; close(): Promise<void> }

/** An ECS metadata service on loopback, in hardened mode: credentials need the session token. */
async function metadataService(role: string, lifetimeMs: number): Promise<Metadata> {
  const m = { fetches: 0, sessions: 0, lifetimeMs };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers['x-aliyun-ecs-metadata-token'];
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      m.sessions++;
      res.end(`session-${m.sessions}`);
      return;
    }
    if (!token) return void res.writeHead(401).end();
    if (req.url === '/latest/meta-data/ram/security-credentials/') return void res.end(`${role}\n`);
    if (req.url !== `/latest/meta-data/ram/security-credentials/${role}`) return void res.writeHead(404).end();
    m.fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ AccessKeyId: `STS.role${m.fetches}`, AccessKeySecret: `s${m.fetches}`, SecurityToken: `t${m.fetches}`,
      Expiration: new Date(Date.now() + m.lifetimeMs).toISOString(), LastUpdated: new Date().toISOString(), Code: 'Success' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(m, { url, close: () => new Promise<void>((r) => server.close(() => r())) });
}

test('ECS RAM role: fetched once, held, refreshed ahead of expiry and after a refusal; the role found when not named', async (t) => {
  const md = await metadataService('crr-replicator', 6 * 3600_000);
  t.after(() => md.close());
  let clock = Date.now();
  const p = ecsRamRoleCredentials({ metadataUrl: md.url, now: () => clock });
  const first = await p.current();
  assert.equal(first.accessKeyId, 'STS.role1');
  assert.equal(first.securityToken, 't1');
  assert.equal(md.sessions, 1, 'hardened mode: a session token first');
  assert.equal(p.current(), first, 'held: no fetch per request');
  clock += 6 * 3600_000 - 4 * 60_000; // 4 minutes before expiry: due
  assert.equal(p.current(), first, 'due but valid: still served while the refresh runs');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((p.current() as { accessKeyId: string }).accessKeyId, 'STS.role2');
  p.refused();
  assert.equal((await p.current()).accessKeyId, 'STS.role3');
  assert.equal(md.fetches, 3);
});

test('ECS RAM role: an unreachable metadata service is a retriable error that names it', async () => {
  const p = ecsRamRoleCredentials({ metadataUrl: 'http://127.0.0.1:9', role: 'r', timeoutMs: 2000 });
  await assert.rejects(Promise.resolve(p.current()), (e: unknown) => e instanceof CrrError && e.code === 'CREDENTIALS_UNAVAILABLE' && e.retriable &&
    e.message.includes('127.0.0.1:9'));
});
