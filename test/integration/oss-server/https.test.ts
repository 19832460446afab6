// Conformance: the local server serves HTTPS with a given certificate and key (option `tls`, CLI
// --tls-cert/--tls-key). A client trusting the test CA talks to it, virtual-hosted (SNI and Host
// <bucket>.localhost, or <bucket>.<region>.aliyuncs.com under its wildcard SAN) and path style; one that does
// not trust it is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startOssServer, type OssServer } from '../../../deploy/local/oss/server.ts';
import { makeLoopbackCert, type LoopbackCert } from './loopback-cert.ts';
import { sendSigned } from './signed-request.ts';

const REGION = 'oss-cn-hangzhou';
const KEY = { accessKeyId: 'LTAI-tls', accessKeySecret: `s-${randomBytes(6).toString('hex')}` };
let cert: LoopbackCert;
let server: OssServer;
let dataDir: string;
const BUCKETS = { v1: `tls-v1-${randomBytes(3).toString('hex')}`, v4: `tls-v4-${randomBytes(3).toString('hex')}` };

before(async () => {
  cert = await makeLoopbackCert(Object.values(BUCKETS).map((b) => `${b}.localhost`));
  dataDir = await mkdtemp(join(tmpdir(), 'crr-oss-tls-'));
  server = await startOssServer({ region: REGION, dataDir, credentials: [KEY], tls: { cert: cert.cert, key: cert.key } });
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
  await cert.remove();
});

test('the endpoint is https://localhost:PORT', () => {
  assert.match(server.endpoint, /^https:\/\/localhost:\d+$/);
});

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: a client trusting the CA writes and reads over TLS, virtual-hosted and path style`, async () => {
    const bucket = BUCKETS[sig];
    const base = { endpoint: server.endpoint, region: REGION, ...KEY, sig, bucket, ca: cert.ca };
    assert.equal((await sendSigned({ ...base, method: 'PUT', style: 'virtual' })).status, 200);
    assert.equal((await sendSigned({ ...base, method: 'PUT', style: 'virtual', key: 'secret.txt', body: Buffer.from('over tls') })).status, 200);
    assert.equal((await sendSigned({ ...base, method: 'GET', style: 'virtual', key: 'secret.txt' })).body, 'over tls');
    const regional = await sendSigned({ ...base, method: 'GET', style: 'virtual', hostName: `${REGION}.aliyuncs.com`, key: 'secret.txt' });
    assert.equal(regional.body, 'over tls');
    assert.equal((await sendSigned({ ...base, method: 'GET', style: 'path', key: 'secret.txt' })).body, 'over tls');
  });
}

test('a client that does not trust the CA is refused by its own TLS check', async () => {
  const port = Number(new URL(server.endpoint).port);
  await assert.rejects(new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, servername: 'localhost', path: '/' }, resolve);
    r.on('error', reject);
    r.end();
  }), (e: NodeJS.ErrnoException) => /SELF_SIGNED|UNABLE_TO_VERIFY|unable to get local issuer/i.test(`${e.code} ${e.message}`));
});

test('the CLI serves HTTPS with --tls-cert and --tls-key, and refuses one without the other', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crr-oss-tls-cli-'));
  const args = ['--import', 'tsx', 'deploy/local/oss/cli.ts', '--port', '0', '--data', dir, '--key', `${KEY.accessKeyId}:${KEY.accessKeySecret}`];
  const half = spawn(process.execPath, [...args, '--tls-cert', cert.certFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  half.stderr.on('data', (d: Buffer) => (err += d.toString()));
  assert.equal(await new Promise((r) => half.once('exit', r)), 2);
  assert.match(err, /--tls-cert and --tls-key go together/);
  const proc = spawn(process.execPath, [...args, '--tls-cert', cert.certFile, '--tls-key', cert.keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    assert.match(endpoint, /^https:\/\/localhost:\d+$/);
    const listed = await sendSigned({ endpoint, region: REGION, ...KEY, sig: 'v4', method: 'GET', style: 'path', ca: cert.ca });
    assert.equal(listed.status, 200);
    assert.match(listed.body, /<ListAllMyBucketsResult>/);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
});
