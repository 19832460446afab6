// Conformance: STS credentials (access key id, secret, security token, expiration). Requests carry the
// token in x-oss-security-token (signed, V1 and V4) or security-token (V1 presigned URLs); the refusals are
// OSS's own codes, all 403: SecurityTokenExpired, InvalidSecurityToken, AccessKeyIdAndSecurityTokenNotMatch,
// InvalidAccessKeyId. The admin endpoint adds, replaces and removes credentials while the server runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOssServer, type OssServer } from '../../../deploy/local/oss/server.ts';
import { errorCode, sendSigned, type SignedRequest } from './signed-request.ts';

const REGION = 'oss-cn-hangzhou';
const ROOT = { accessKeyId: 'LTAI-root', accessKeySecret: `root-${randomBytes(6).toString('hex')}` };
const sts = (name: string, expiration: number) => ({
  accessKeyId: `STS.${name}`, accessKeySecret: `sk-${name}-${randomBytes(4).toString('hex')}`,
  securityToken: `CAIS${name}${randomBytes(24).toString('base64url')}`, expiration, principalId: `role:${name}`,
});
const LIVE = sts('live', Date.now() + 3600_000);
const OTHER = sts('other', Date.now() + 3600_000);
const EXPIRED = sts('expired', Date.now() - 60_000);
const BUCKET = `sts-${randomBytes(3).toString('hex')}`;
let server: OssServer;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'crr-oss-sts-'));
  server = await startOssServer({ region: REGION, dataDir, credentials: [ROOT, LIVE, OTHER, EXPIRED] });
  await call({ accessKeyId: ROOT.accessKeyId, accessKeySecret: ROOT.accessKeySecret, method: 'PUT', sig: 'v1' });
  await call({ accessKeyId: ROOT.accessKeyId, accessKeySecret: ROOT.accessKeySecret, method: 'PUT', sig: 'v1', key: 'doc', body: Buffer.from('doc') });
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function call(r: Partial<SignedRequest> & Pick<SignedRequest, 'method' | 'sig' | 'accessKeyId' | 'accessKeySecret'>) {
  return sendSigned({ endpoint: server.endpoint, region: REGION, bucket: BUCKET, style: 'path', ...r });
}
const as = (c: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
  ({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken });

function admin(method: string, path: string, body?: unknown, bearer = ROOT.accessKeySecret) {
  return fetch(`${server.endpoint}/-/admin/${path}`, {
    method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: a valid STS credential reads and writes; the token is signed`, async () => {
    const put = await call({ ...as(LIVE), method: 'PUT', sig, key: `by-sts-${sig}`, body: Buffer.from('sts') });
    assert.equal(put.status, 200, put.body);
    const got = await call({ ...as(LIVE), method: 'GET', sig, key: `by-sts-${sig}` });
    assert.equal(got.body, 'sts');
    // The same request with the token header changed after signing no longer matches its signature.
    const swapped = await call({ ...as(LIVE), method: 'GET', sig, key: 'doc', securityToken: undefined,
      afterSigning: (h) => { h['x-oss-security-token'] = LIVE.securityToken; } });
    assert.equal(swapped.status, 403);
    assert.equal(errorCode(swapped), 'SignatureDoesNotMatch');
  });

  test(`${sig}: expired, wrong, mismatched and missing tokens get OSS's codes`, async () => {
    const expect = async (r: Awaited<ReturnType<typeof call>>, code: string, message?: RegExp) => {
      assert.equal(r.status, 403, r.body);
      assert.equal(errorCode(r), code);
      if (message) assert.match(r.body, message);
    };
    await expect(await call({ ...as(EXPIRED), method: 'GET', sig, key: 'doc' }), 'SecurityTokenExpired', /<Message>The security token you provided has expired\.<\/Message>/);
    await expect(await call({ ...as(LIVE), securityToken: 'CAISnot-a-token', method: 'GET', sig, key: 'doc' }), 'InvalidSecurityToken',
      /<Message>The security token you provided is invalid\.<\/Message>/);
    await expect(await call({ ...as(LIVE), securityToken: OTHER.securityToken, method: 'GET', sig, key: 'doc' }), 'AccessKeyIdAndSecurityTokenNotMatch');
    await expect(await call({ ...as(LIVE), securityToken: undefined, method: 'GET', sig, key: 'doc' }), 'InvalidAccessKeyId');
    await expect(await call({ ...as(ROOT), securityToken: LIVE.securityToken, method: 'GET', sig, key: 'doc' }), 'InvalidAccessKeyId');
    // HEAD answers carry the same code in x-oss-err.
    await expect(await call({ ...as(EXPIRED), method: 'HEAD', sig, key: 'doc' }), 'SecurityTokenExpired');
  });
}

test('V1 presigned URLs carry the token as the signed security-token sub-resource', async () => {
  const expires = Math.floor(Date.now() / 1000) + 60;
  const url = (c: typeof LIVE, token: string) => {
    const resource = `/${BUCKET}/doc?security-token=${token}`;
    const signature = createHmac('sha1', c.accessKeySecret).update(`GET\n\n\n${expires}\n${resource}`).digest('base64');
    return `${server.endpoint}/${BUCKET}/doc?OSSAccessKeyId=${encodeURIComponent(c.accessKeyId)}&Expires=${expires}` +
      `&Signature=${encodeURIComponent(signature)}&security-token=${encodeURIComponent(token)}`;
  };
  const ok = await fetch(url(LIVE, LIVE.securityToken));
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'doc');
  const expired = await fetch(url(EXPIRED, EXPIRED.securityToken));
  assert.equal(expired.status, 403);
  assert.match(await expired.text(), /<Code>SecurityTokenExpired<\/Code>/);
});

test('admin: credentials are added, rotated, expired and removed while the server runs', async () => {
  const next = sts('next', Date.now() + 3600_000);
  assert.equal((await call({ ...as(next), method: 'GET', sig: 'v4', key: 'doc' })).status, 403);
  const added = await admin('PUT', 'credentials', next);
  assert.equal(added.status, 200);
  const listed = await added.json() as { accessKeyId: string; sts: boolean; expiration?: string }[];
  assert.ok(listed.some((c) => c.accessKeyId === next.accessKeyId && c.sts && c.expiration === new Date(next.expiration).toISOString()));
  assert.ok(!JSON.stringify(listed).includes(next.accessKeySecret) && !JSON.stringify(listed).includes(next.securityToken), 'no secrets in the answer');
  assert.equal((await call({ ...as(next), method: 'GET', sig: 'v4', key: 'doc' })).body, 'doc');

  // Rotation to a new token under the same key id: the old token is refused, the new one works.
  const rotated = { ...next, securityToken: `CAISrotated${randomBytes(16).toString('hex')}`, expiration: new Date(Date.now() + 3600_000).toISOString() };
  assert.equal((await admin('PUT', 'credentials', [rotated])).status, 200);
  assert.equal(errorCode(await call({ ...as(next), method: 'GET', sig: 'v1', key: 'doc' })), 'InvalidSecurityToken');
  assert.equal((await call({ ...as(rotated), method: 'GET', sig: 'v1', key: 'doc' })).body, 'doc');

  // Its expiration moved into the past: SecurityTokenExpired from then on.
  assert.equal((await admin('PUT', 'credentials', { ...rotated, expiration: Date.now() - 1000 })).status, 200);
  assert.equal(errorCode(await call({ ...as(rotated), method: 'GET', sig: 'v1', key: 'doc' })), 'SecurityTokenExpired');

  assert.equal((await admin('DELETE', `credentials/${encodeURIComponent(next.accessKeyId)}`)).status, 204);
  assert.equal((await admin('DELETE', `credentials/${encodeURIComponent(next.accessKeyId)}`)).status, 404);
  assert.equal(errorCode(await call({ ...as(rotated), method: 'GET', sig: 'v1', key: 'doc' })), 'InvalidAccessKeyId');
});

test('admin: bad credentials are refused whole, and only keys given at start open it', async () => {
  const before = await (await admin('GET', 'credentials')).json() as unknown[];
  const bad = await admin('PUT', 'credentials', [sts('fine', Date.now() + 1000), { accessKeyId: 'x', securityToken: 't' }]);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /accessKeySecret/);
  assert.equal(((await (await admin('GET', 'credentials')).json()) as unknown[]).length, before.length, 'nothing was added');
  assert.equal((await admin('PUT', 'credentials', { ...sts('t', Date.now()), expiration: 'not a date' })).status, 400);
  const late = { accessKeyId: 'LTAI-late', accessKeySecret: `late-${randomBytes(4).toString('hex')}` };
  assert.equal((await admin('PUT', 'credentials', late)).status, 200);
  assert.equal((await admin('GET', 'credentials', undefined, late.accessKeySecret)).status, 403, 'a key added later does not open the admin endpoint');
  assert.equal((await admin('GET', 'credentials', undefined, LIVE.accessKeySecret)).status, 200, 'a key given at start does');
  assert.equal((await admin('GET', 'credentials', undefined, 'nobody')).status, 403);
});

test('the CLI takes STS credentials as --credential JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crr-oss-sts-cli-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'deploy/local/oss/cli.ts', '--port', '0', '--data', dir,
    '--credential', JSON.stringify({ ...LIVE, expiration: new Date(LIVE.expiration).toISOString() })], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.once('exit', (code) => reject(new Error(`cli exited with ${code}`)));
    });
    const listed = await sendSigned({ endpoint, region: REGION, ...as(LIVE), sig: 'v4', method: 'GET', style: 'path' });
    assert.equal(listed.status, 200, listed.body);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
});
