// Transfer acceleration: an endpoint with accelerate: true sends its requests to the acceleration endpoint
// while signing for the bucket's own region. Here the acceleration endpoint is a loopback override
// (accelerateEndpoint) in front of the bucket's local server, recording the Host of every request it passes
// on: virtual-hosted Hosts arrive there, and the server (region oss-cn-hangzhou) verifies their V4 signatures.
// The production hosts (oss-accelerate / oss-accelerate-overseas) are checked on the prepared request.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { after, before, test } from 'node:test';
import { requestEndpoint, storeFactory } from '../../../core/adapters/oss/store-factory.ts';
import { createTransport } from '../../../core/adapters/oss/transport.ts';
import { parseConfig } from '../../../core/config/load.ts';
import { createMetrics } from '../../../core/metrics/metrics.ts';
import { readAll, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
let proxy: { url: string; hosts: string[]; close(): Promise<void> };

before(async () => {
  f = await startStoreFixture('v4');
  const target = new URL(f.oss.endpoint);
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    const out = request({ host: '127.0.0.1', port: Number(target.port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy = { url: `http://localhost:${(server.address() as AddressInfo).port}`, hosts, close: () => new Promise<void>((r) => server.close(() => r())) };
});
after(async () => {
  await proxy?.close();
  await f?.stop();
});

test('accelerate: requests go to the acceleration endpoint, virtual-hosted, V4-signed for the bucket\'s region', async () => {
  const bucket = await f.bucket();
  const env = { AK: f.oss.credentials.accessKeyId, SK: f.oss.credentials.accessKeySecret };
  const config = parseConfig({
    kafka: { brokers: ['127.0.0.1:1'] },
    endpoints: {
      hz: { endpoint: 'http://oss-cn-hangzhou.invalid', region: f.oss.region, accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK', accelerate: true, accelerateEndpoint: proxy.url },
      sg: { endpoint: 'http://oss-ap-southeast-1.invalid', region: 'oss-ap-southeast-1', accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK' },
    },
    rules: [{ id: 'acc', source: { endpoint: 'sg', bucket: 'far-away' }, destination: { endpoint: 'hz', bucket } }],
  }, env);
  const store = storeFactory(config, createMetrics(new Registry()))('hz', 'acc');
  await store.putObject(bucket, 'dir/accelerated é.txt', Buffer.from('through the acceleration endpoint'), { headers: {}, contentLength: 33 });
  const got = await store.getObject(bucket, 'dir/accelerated é.txt');
  assert.equal((await readAll(got.stream)).toString(), 'through the acceleration endpoint');
  const port = new URL(proxy.url).port;
  assert.ok(proxy.hosts.length >= 2);
  for (const h of proxy.hosts) assert.equal(h, `${bucket}.localhost:${port}`, 'virtual-hosted on the acceleration endpoint');

  // Without an override: the public acceleration hosts, the signature's scope still the bucket's region.
  for (const [region, host] of [['oss-ap-southeast-1', 'oss-accelerate-overseas.aliyuncs.com'], ['oss-cn-hangzhou', 'oss-accelerate.aliyuncs.com']]) {
    const endpoint = requestEndpoint({ ...config.endpoint('hz'), region, accelerateEndpoint: undefined, endpoint: 'https://x.invalid' });
    const prepared = createTransport({ endpoint, region, accessKeyId: 'AK', accessKeySecret: 'SK', signatureVersion: 'v4', timeoutMs: 1000 })
      .prepare({ method: 'GET', bucket: 'media', object: 'a' });
    assert.equal(prepared.headers.host, `media.${host}`);
    assert.match(String(prepared.headers.authorization), new RegExp(`/${region.replace(/^oss-/, '')}/oss/aliyun_v4_request,`));
  }
});
