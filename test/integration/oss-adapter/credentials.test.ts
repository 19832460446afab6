// STS credentials against the local OSS server, which refuses an expired token with OSS's SecurityTokenExpired:
// the ECS RAM role provider (its metadata service served here on loopback) hands out short-lived tokens; a
// request signed with one the server has already expired is refused, the provider fetches a new one, and the
// request goes again at once (a bodiless one) or fails retriably with a clear message (a streamed body, as
// every PUT is), and the retry passes. V1 and V4 both carry x-oss-security-token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ecsRamRoleCredentials } from '../../../core/adapters/oss/credentials/ecs-ram-role.ts';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import { CrrError } from '../../../core/errors.ts';
import { chunked, readAll, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
let metadata: { url: string; issued: number; close(): Promise<void> };
/** How long the OSS server honours each token it is told about; the metadata service advertises an hour. */
let serverLifetimeMs = 60_000;

before(async () => {
  f = await startStoreFixture('v4');
  const m = { issued: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('session');
    if (req.url !== '/latest/meta-data/ram/security-credentials/crr-replicator') return void res.writeHead(404).end();
    m.issued++;
    const cred = { accessKeyId: `STS.ecs${m.issued}-${randomBytes(3).toString('hex')}`, accessKeySecret: randomBytes(12).toString('hex'),
      securityToken: `CAIS${randomBytes(24).toString('base64')}`, principalId: 'test-principal' };
    // The role's token as OSS knows it: it expires on the server long before the advertised Expiration.
    f.oss.server.putCredential({ ...cred, expiration: Date.now() + serverLifetimeMs });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ AccessKeyId: cred.accessKeyId, AccessKeySecret: cred.accessKeySecret, SecurityToken: cred.securityToken,
      Expiration: new Date(Date.now() + 3600_000).toISOString(), Code: 'Success' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  metadata = Object.assign(m, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
});
after(async () => {
  await metadata?.close();
  await f?.stop();
});

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: an expired RAM role token is refused, refreshed and the request sent again; a streamed PUT fails clearly, then passes`, async () => {
    const bucket = await f.bucket();
    const seen: string[] = [];
    const store = createObjectStore({ endpoint: f.oss.endpoint, region: f.oss.region, addressing: 'path', signatureVersion: sig, timeoutMs: 10_000,
      credentials: ecsRamRoleCredentials({ metadataUrl: metadata.url, role: 'crr-replicator' }), onRequest: (op, result, code) => seen.push(`${op} ${result} ${code ?? ''}`) });
    serverLifetimeMs = 400;
    const issued = metadata.issued;
    const a = randomBytes(1000);
    await store.putObject(bucket, 'a.bin', a, { headers: {}, contentLength: a.length });
    assert.equal(metadata.issued, issued + 1, 'one token fetched');
    await new Promise((r) => setTimeout(r, 500)); // the server has expired it; the provider still holds it

    const head = await store.headObject(bucket, 'a.bin');
    assert.equal(head?.size, a.length, 'a bodiless request refused for its token went again with the new one');
    assert.equal(metadata.issued, issued + 2, 'the refusal made the provider fetch a new token');

    await new Promise((r) => setTimeout(r, 500));
    const c = randomBytes(3000);
    serverLifetimeMs = 60_000;
    const err = await store.putObject(bucket, 'c.bin', chunked(c, 1000), { headers: {}, contentLength: c.length }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CrrError, 'a streamed body cannot be sent again in place');
    assert.equal(err.code, 'CREDENTIALS_EXPIRED');
    assert.equal(err.retriable, true);
    assert.match(err.message, /SecurityTokenExpired/);
    await store.putObject(bucket, 'c.bin', chunked(c, 1000), { headers: {}, contentLength: c.length }); // the caller's retry
    assert.ok((await readAll((await store.getObject(bucket, 'c.bin')).stream)).equals(c));
    assert.equal(seen.filter((s) => s.startsWith('PutObject error')).length, 1, seen.join('\n'));
  });
}
