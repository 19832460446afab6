// The pipeline over HTTPS, as against real OSS: both local servers serve a certificate this test makes
// (openssl; SANs 127.0.0.1, localhost, *.localhost and the regions' *.oss-<region>.aliyuncs.com), the config's
// endpoints are https with caFile, requests are virtual-hosted (Host and TLS server name
// <bucket>.oss-<region>.aliyuncs.com, covered by the wildcard as OSS's own certificate covers it). Objects,
// one of them multipart, arrive byte for byte; a client trusting only the system CAs is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import { CrrError } from '../../../core/errors.ts';
import { metricSum, startStack } from '../../helpers/pipeline.ts';
import { makeLoopbackCert } from '../oss-server/loopback-cert.ts';

async function read(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('the pipeline replicates over HTTPS to servers whose certificate the config\'s caFile trusts', { timeout: 180_000 }, async (t) => {
  const cert = await makeLoopbackCert(['*.oss-cn-shanghai.aliyuncs.com']);
  t.after(() => cert.remove());
  const stack = await startStack({ rules: [{ id: 'tls', source: 'tls-src', destination: 'tls-dst' }],
    oss: { tls: { cert: cert.cert, key: cert.key, ca: cert.ca, caFile: cert.caFile } } });
  try {
    for (const ep of Object.values(stack.config.endpoints)) {
      assert.match(ep.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(ep.caFile, cert.caFile);
      assert.equal(ep.addressing, 'virtual-hosted');
    }
    const processing = await stack.startProcessing();
    const [src, dst] = [stack.bucket('tls-src'), stack.bucket('tls-dst')];
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 24; i++) bodies.set(`tls/${i} é+&.bin`, randomBytes(i === 0 ? 0 : i * 1500));
    bodies.set('tls/large.bin', randomBytes(3 * 1024 * 1024)); // above the tests' 2 MiB multipart threshold
    await Promise.all([...bodies].map(([key, body]) =>
      stack.writer.hz.putObject(src, key, body, { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: body.length })));
    await stack.waitConverged(['tls'], 120_000);
    for (const [key, body] of bodies) {
      const got = await stack.writer.sh.getObject(dst, key);
      assert.ok((await read(got.stream)).equals(body), key);
    }
    assert.equal(await metricSum(stack.metrics.deadLetters), 0);
    assert.ok(await metricSum(stack.metrics.ossRequests, (l) => l.rule === 'tls' && l.op === 'UploadPart' && l.result === 'ok') >= 3, 'the large object went multipart');

    // The same endpoint without the CA bundle (the system CAs): the certificate is refused, clearly.
    const untrusted = createObjectStore({ endpoint: stack.hz.configEndpoint, region: stack.hz.region, ...stack.principals.user, timeoutMs: 10_000 });
    await assert.rejects(untrusted.headObject(src, 'tls/large.bin'), (e: unknown) =>
      e instanceof CrrError && /certificate|self.signed/i.test(e.message));
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
