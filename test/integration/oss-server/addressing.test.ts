// Conformance: both addressing styles. Virtual-hosted requests (`Host: <bucket>.localhost:PORT`, or the
// region's OSS name) signed by ali-oss's own signer in V1 and V4 are accepted with the canonical resource
// /bucket/key; path style still works; and with forbidPathStyle (the CLI's --forbid-path-style) a
// path-style bucket request is refused as real OSS refuses it: 403 SecondLevelDomainForbidden.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startOssServer, type OssServer } from '../../../deploy/local/oss/server.ts';
import { bucketFromHost, hostOnly } from '../../../deploy/local/oss/addressing.ts';
import { errorCode, sendSigned, type SignedRequest } from './signed-request.ts';

const REGION = 'oss-cn-hangzhou';
const KEY = { accessKeyId: 'LTAI-addr', accessKeySecret: `s-${randomBytes(6).toString('hex')}` };
const dirs: string[] = [];
let open: OssServer;
let strict: OssServer;

async function server(forbidPathStyle: boolean): Promise<OssServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crr-oss-addr-'));
  dirs.push(dataDir);
  return startOssServer({ region: REGION, dataDir, credentials: [KEY], forbidPathStyle });
}

before(async () => {
  open = await server(false);
  strict = await server(true);
});
after(async () => {
  await open.stop();
  await strict.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const req = (s: OssServer, r: Partial<SignedRequest> & Pick<SignedRequest, 'method' | 'style' | 'sig'>) =>
  sendSigned({ endpoint: s.endpoint, region: REGION, ...KEY, ...r });

test('Host parsing: the bucket is the one label before a served name; IPs and served names carry none', () => {
  const names = ['localhost', 'oss-cn-hangzhou.aliyuncs.com'];
  assert.equal(bucketFromHost('b1.localhost:9001', names), 'b1');
  assert.equal(bucketFromHost('B1.LOCALHOST', names), 'b1');
  assert.equal(bucketFromHost('b1.oss-cn-hangzhou.aliyuncs.com', names), 'b1');
  assert.equal(bucketFromHost('localhost:9001', names), undefined);
  assert.equal(bucketFromHost('127.0.0.1:9001', names), undefined);
  assert.equal(bucketFromHost('a.b.localhost', names), undefined);
  assert.equal(bucketFromHost('evil-localhost', names), undefined);
  assert.equal(bucketFromHost(undefined, names), undefined);
  assert.equal(hostOnly('[::1]:9001'), '::1');
});

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: virtual-hosted create, put, get, list, tag and delete; path style reads the same objects`, async () => {
    const bucket = `vh-${sig}-${randomBytes(3).toString('hex')}`;
    const key = `dir/ü ñ+%&=;,'!*()~@$[]/${sig}.txt`;
    assert.equal((await req(open, { method: 'PUT', style: 'virtual', sig, bucket })).status, 200);
    const put = await req(open, { method: 'PUT', style: 'virtual', sig, bucket, key, body: Buffer.from('hello'), headers: { 'x-oss-meta-who': 'vh' } });
    assert.equal(put.status, 200, put.body);
    const got = await req(open, { method: 'GET', style: 'virtual', sig, bucket, key });
    assert.equal(got.status, 200);
    assert.equal(got.body, 'hello');
    assert.equal(got.headers['x-oss-meta-who'], 'vh');
    const tagged = await req(open, { method: 'PUT', style: 'virtual', sig, bucket, key, subres: { tagging: '' },
      body: Buffer.from('<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>') });
    assert.equal(tagged.status, 200, tagged.body);
    const listed = await req(open, { method: 'GET', style: 'virtual', sig, bucket, query: { prefix: 'dir/', 'max-keys': '10' } });
    assert.equal(listed.status, 200);
    assert.match(listed.body, /<Name>vh-/);
    assert.ok(listed.body.includes(`<Key>${key.replace(/&/g, '&amp;').replace(/'/g, '&apos;')}</Key>`), listed.body);
    const viaPath = await req(open, { method: 'GET', style: 'path', sig, bucket, key });
    assert.equal(viaPath.body, 'hello');
    assert.equal((await req(open, { method: 'DELETE', style: 'virtual', sig, bucket, key })).status, 204);
    assert.equal(errorCode(await req(open, { method: 'HEAD', style: 'virtual', sig, bucket, key })), 'NoSuchKey');
  });

  test(`${sig}: the region's OSS name works as a virtual host too`, async () => {
    const bucket = `vr-${sig}-${randomBytes(3).toString('hex')}`;
    const hostName = `${REGION}.aliyuncs.com`;
    assert.equal((await req(open, { method: 'PUT', style: 'virtual', sig, bucket, hostName })).status, 200);
    assert.equal((await req(open, { method: 'PUT', style: 'virtual', sig, bucket, hostName, key: 'k', body: Buffer.from('r') })).status, 200);
    assert.equal((await req(open, { method: 'GET', style: 'virtual', sig, bucket, hostName, key: 'k' })).body, 'r');
  });

  test(`${sig}: a wrong secret on a virtual host is SignatureDoesNotMatch`, async () => {
    const bucket = `vs-${sig}-${randomBytes(3).toString('hex')}`;
    await req(open, { method: 'PUT', style: 'virtual', sig, bucket });
    assert.equal(errorCode(await req(open, { method: 'GET', style: 'virtual', sig, bucket, key: 'k' })), 'NoSuchKey');
    const wrong = await req(open, { method: 'GET', style: 'virtual', sig, bucket, key: 'k', accessKeySecret: 'wrong' });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong), 'SignatureDoesNotMatch');
  });

  test(`${sig}: forbidPathStyle refuses path-style bucket requests with SecondLevelDomainForbidden, virtual-hosted ones pass`, async () => {
    const bucket = `fp-${sig}-${randomBytes(3).toString('hex')}`;
    const refusedCreate = await req(strict, { method: 'PUT', style: 'path', sig, bucket });
    assert.equal(refusedCreate.status, 403);
    assert.equal(errorCode(refusedCreate), 'SecondLevelDomainForbidden');
    assert.match(refusedCreate.body, /<Message>Please use virtual hosted style to access\.<\/Message>/);
    assert.equal((await req(strict, { method: 'PUT', style: 'virtual', sig, bucket })).status, 200);
    assert.equal((await req(strict, { method: 'PUT', style: 'virtual', sig, bucket, key: 'k', body: Buffer.from('x') })).status, 200);
    const refusedGet = await req(strict, { method: 'GET', style: 'path', sig, bucket, key: 'k' });
    assert.equal(refusedGet.status, 403);
    assert.equal(errorCode(refusedGet), 'SecondLevelDomainForbidden');
    assert.equal(errorCode(await req(strict, { method: 'HEAD', style: 'path', sig, bucket, key: 'k' })), 'SecondLevelDomainForbidden');
    // The service itself (ListBuckets) has no bucket to address and stays reachable.
    const buckets = await req(strict, { method: 'GET', style: 'path', sig });
    assert.equal(buckets.status, 200);
    assert.ok(buckets.body.includes(`<Name>${bucket}</Name>`));
  });
}

test('an absolute-form request target (a client behind a proxy setting) is read by its own host', async () => {
  const bucket = `ab-${randomBytes(3).toString('hex')}`;
  await req(strict, { method: 'PUT', style: 'virtual', sig: 'v1', bucket });
  await req(strict, { method: 'PUT', style: 'virtual', sig: 'v1', bucket, key: 'k', body: Buffer.from('abs') });
  await req(strict, { method: 'PUT', style: 'virtual', sig: 'v1', bucket, key: 'k', subres: { acl: '' }, headers: { 'x-oss-object-acl': 'public-read' } });
  const port = new URL(strict.endpoint).port;
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path: `http://${bucket}.${REGION}.aliyuncs.com/k`, method: 'GET' }, (a) => {
      let body = '';
      a.on('data', (c: Buffer) => (body += c.toString()));
      a.on('end', () => resolve({ status: a.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end();
  });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'abs');
});

test('the CLI takes --forbid-path-style and --host-name', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crr-oss-addr-cli-'));
  dirs.push(dataDir);
  const proc = spawn(process.execPath, ['--import', 'tsx', 'deploy/local/oss/cli.ts', '--port', '0', '--data', dataDir,
    '--key', `${KEY.accessKeyId}:${KEY.accessKeySecret}`, '--forbid-path-style', '--host-name', 'oss.test'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    const bucket = `cli-${randomBytes(3).toString('hex')}`;
    const base = { endpoint, region: REGION, ...KEY, sig: 'v4' as const, bucket };
    assert.equal(errorCode(await sendSigned({ ...base, method: 'PUT', style: 'path', hostName: 'oss.test' })), 'SecondLevelDomainForbidden');
    assert.equal((await sendSigned({ ...base, method: 'PUT', style: 'virtual', hostName: 'oss.test' })).status, 200);
    assert.equal((await sendSigned({ ...base, method: 'PUT', style: 'virtual', hostName: 'oss.test', key: 'k', body: Buffer.from('c') })).status, 200);
    // localhost is no served name of this server any more: <bucket>.localhost names no bucket there.
    assert.equal(errorCode(await sendSigned({ ...base, method: 'GET', style: 'virtual', hostName: 'localhost', key: 'k' })), 'SecondLevelDomainForbidden');
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});
