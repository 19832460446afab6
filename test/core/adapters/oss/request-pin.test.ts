// The adapter's requests, pinned byte for byte to ali-oss's own request construction (what real OSS accepts):
// for random requests on each addressing — virtual-hosted on a region endpoint and on an IP, path style, a
// custom domain — the Host, the path and query, and every header (x-oss-date, the STS token, Content-MD5, the
// V1 or V4 Authorization over the canonical resource) equal what ali-oss 6.23 would send at the same instant.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Addressing } from '../../../../core/adapters/oss/addressing.ts';
import { createOssClient } from '../../../../core/adapters/oss/client.ts';
import { toWire } from '../../../../core/adapters/oss/object-head.ts';
import { createTransport, type WireRequest } from '../../../../core/adapters/oss/transport.ts';
import { rng } from '../../../helpers/random.ts';

// ali-oss's own request construction, called with a client as `this`: the URL it would request and the
// headers it would send, Authorization included. Loaded by require: ali-oss ships its TypeScript source beside
// the file, which the typecheck would otherwise compile under our stricter settings.
type AliRequest = { method: string; bucket: string; object?: string; subres?: Record<string, string>; query?: Record<string, string | number>;
  headers: Record<string, string | number>; content?: Buffer };
const { createRequest } = createRequire(import.meta.url)('ali-oss/lib/common/utils/createRequest.js') as {
  createRequest(this: unknown, params: AliRequest): { url: string; params: { headers: Record<string, string> } };
};

const AK = 'STS.NUgYrLnoC37mZZCNnAbez2';
const SK = 'secret/with+chars=';
const TOKEN = 'CAIS+token/with=chars+and/slashes==';
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];

interface Case { name: string; endpoint: string; addressing: Addressing }
const CASES: Case[] = [
  { name: 'virtual-hosted on the region endpoint', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', addressing: 'virtual-hosted' },
  { name: 'virtual-hosted on a local endpoint with a port', endpoint: 'http://localhost:9001', addressing: 'virtual-hosted' },
  { name: 'virtual-hosted on an IP endpoint', endpoint: 'http://127.0.0.1:9001', addressing: 'virtual-hosted' },
  { name: 'path style', endpoint: 'http://localhost:9001', addressing: 'path' },
  { name: 'a custom domain', endpoint: 'https://static.example.com', addressing: 'cname' },
];

function randomRequest(r: () => number): WireRequest {
  const objects = [undefined, 'a.txt', 'dir/sub dir/file (1).bin', "it's!*~.tar.gz", '目录/文件.txt', ' lead and trail ', 'plus+eq=amp&q?hash#', 'ümlaut/ñ€𝄞'];
  const subres: Record<string, string>[] = [{}, { acl: '' }, { tagging: '' }, { tagging: '', versionId: 'CAEQ' },
    { uploads: '' }, { partNumber: '3', uploadId: 'U1' }, { versions: '' }, { acl: '', versionId: 'v/2' }];
  const queries: (Record<string, string | number> | undefined)[] = [undefined, { prefix: 'a/b ', 'max-keys': 1000 },
    { 'list-type': 2, 'continuation-token': 'tok=+/', delimiter: '/' }, { 'key-marker': 'k m', 'version-id-marker': 'v' }];
  // A Content-Type always: without one ali-oss guesses it from the key's extension, the adapter sends none.
  const headers: Record<string, string | number> = { 'Content-Type': pick(r, ['text/plain', 'application/octet-stream', 'image/png']) };
  if (r() < 0.5) headers['x-oss-meta-owner'] = toWire(pick(r, ['alice', ' padded ', 'Zoë', '名前']));
  if (r() < 0.3) headers['x-oss-object-acl'] = 'public-read';
  if (r() < 0.3) headers['x-oss-storage-class'] = 'IA';
  if (r() < 0.3) headers['Content-Disposition'] = toWire('attachment; filename="naïve.txt"');
  const method = pick(r, ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const);
  const req: WireRequest = { method, bucket: pick(r, ['bkt', 'my-bucket-1']), object: pick(r, objects), subres: pick(r, subres), query: pick(r, queries), headers };
  if ((method === 'PUT' || method === 'POST') && r() < 0.6) req.content = Buffer.from(`body ${r()}`);
  return req;
}

const strings = (h: object) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));

for (const c of CASES) {
  for (const sig of ['v1', 'v4'] as const) {
    for (const sts of [false, true]) {
      test(`${c.name}, ${sig}${sts ? ', STS token' : ''}: Host, path and headers equal ali-oss's on 200 random requests`, (t) => {
        t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 11, 1, 8, 37, 29, 401) });
        const region = 'oss-cn-hangzhou';
        const ours = createTransport({ endpoint: c.endpoint, region, addressing: c.addressing, accessKeyId: AK, accessKeySecret: SK,
          securityToken: sts ? TOKEN : undefined, signatureVersion: sig, timeoutMs: 1000 });
        const theirs = createOssClient({ endpoint: c.endpoint, region, accessKeyId: AK, accessKeySecret: SK, stsToken: sts ? TOKEN : undefined,
          signatureVersion: sig, addressing: c.addressing });
        const r = rng(c.name.length * 7 + (sig === 'v4' ? 1 : 0) + (sts ? 2 : 0));
        let seen = 0;
        for (let i = 0; i < 200; i++) {
          const req = randomRequest(r);
          // The clock moves on between requests: the date cache must follow it.
          t.mock.timers.tick(Math.floor(r() * 5000));
          const got = ours.prepare(req);
          const want = createRequest.call(theirs, { method: req.method, bucket: req.bucket, object: req.object, subres: req.subres,
            query: req.query, headers: { ...req.headers }, content: req.content });
          const url = new URL(want.url);
          // User-Agent is the one header that differs on purpose (each client names itself); it is not signed.
          const { host: wantHost, 'User-Agent': _theirAgent, ...wantHeaders } = want.params.headers;
          const { host: gotHost, 'User-Agent': agent, ...gotHeaders } = strings(got.headers);
          assert.equal(agent, 'oss-crr-bus');
          const where = JSON.stringify(req);
          assert.equal(gotHost, wantHost ?? url.host, where);
          assert.equal(got.path, url.pathname + url.search, where);
          assert.deepEqual(gotHeaders, strings(wantHeaders), where);
          if (sts) assert.equal(gotHeaders['x-oss-security-token'], TOKEN);
          seen++;
        }
        assert.equal(seen, 200);
      });
    }
  }
}

test('virtual-hosted requests carry the bucket in the Host and never in the path', () => {
  const ours = createTransport({ endpoint: 'https://oss-ap-southeast-1.aliyuncs.com', region: 'oss-ap-southeast-1', accessKeyId: AK, accessKeySecret: SK, timeoutMs: 1000 });
  const got = ours.prepare({ method: 'GET', bucket: 'media-sg', object: 'media-sg/a b.txt' });
  assert.equal(got.headers.host, 'media-sg.oss-ap-southeast-1.aliyuncs.com');
  assert.equal(got.servername, 'media-sg.oss-ap-southeast-1.aliyuncs.com');
  assert.equal(got.path, '/media-sg/a%20b.txt');
  const path = createTransport({ endpoint: 'http://localhost:9001', region: 'oss-cn-hangzhou', addressing: 'path', accessKeyId: AK, accessKeySecret: SK, timeoutMs: 1000 })
    .prepare({ method: 'GET', bucket: 'media-sg', object: 'a' });
  assert.equal(path.headers.host, 'localhost:9001');
  assert.equal(path.path, '/media-sg/a');
});

