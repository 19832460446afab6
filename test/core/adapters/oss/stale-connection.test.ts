// A kept-alive connection that the server closes just as the client reuses it (the cluster test's workload
// met ECONNRESET this way: the local OSS server, like OSS, closes idle connections). An idempotent request
// goes once more on a new connection; a POST (an InitiateMultipartUpload, say) does not, nor a streamed
// body, nor a request on a new connection (a reset there is the server's answer, not a stale socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createTransport, FREE_SOCKET_TIMEOUT_MS, resendable } from '../../../../core/adapters/oss/transport.ts';

/** Answers the first request of each connection; any later one on it is cut (the server's idle close, racing). */
async function closingServer(): Promise<{ server: Server; endpoint: string; connections: () => number; requests: string[] }> {
  const seen = new WeakMap<Socket, number>();
  let connections = 0;
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    requests.push(`${req.method} ${n}`);
    req.resume();
    req.on('end', () => (n > 1 ? req.socket.destroy() : res.writeHead(200, { 'content-length': 2 }).end('ok')));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, requests };
}

const wire = (endpoint: string) => createTransport({ endpoint, region: 'oss-cn-hangzhou', addressing: 'path', accessKeyId: 'AK', accessKeySecret: 'SK', timeoutMs: 5000 });

test('a GET or PUT on a reused connection the server closed goes once more, on a new connection', async () => {
  const s = await closingServer();
  try {
    const t = wire(s.endpoint);
    assert.equal((await t.send({ method: 'GET', bucket: 'b', object: 'k1' })).status, 200);
    const got = await t.send({ method: 'GET', bucket: 'b', object: 'k2' });
    assert.equal(got.status, 200);
    assert.equal(got.data?.toString(), 'ok');
    const put = await t.send({ method: 'PUT', bucket: 'b', object: 'k3', content: Buffer.from('body') });
    assert.equal(put.status, 200);
    assert.deepEqual(s.requests, ['GET 1', 'GET 2', 'GET 1', 'PUT 2', 'PUT 1']);
    assert.equal(s.connections(), 3);
  } finally {
    s.server.closeAllConnections();
    s.server.close();
  }
});

test('a POST or a streamed body on a reused connection the server closed fails as a network error, sent once', async () => {
  const s = await closingServer();
  try {
    const t = wire(s.endpoint);
    await t.send({ method: 'HEAD', bucket: 'b', object: 'k' });
    await assert.rejects(t.send({ method: 'POST', bucket: 'b', object: 'k', subres: { uploads: '' } }), (e: { meaning?: { code: string } }) => e.meaning?.code === 'NETWORK');
    await t.send({ method: 'HEAD', bucket: 'b', object: 'k' });
    await assert.rejects(t.send({ method: 'PUT', bucket: 'b', object: 'k', stream: Readable.from([Buffer.from('x')]), headers: { 'Content-Length': 1 } }),
      (e: { meaning?: { code: string } }) => e.meaning?.code === 'NETWORK');
    assert.deepEqual(s.requests, ['HEAD 1', 'POST 2', 'HEAD 1', 'PUT 2']);
  } finally {
    s.server.closeAllConnections();
    s.server.close();
  }
});

test('idle connections close before the local OSS server closes them (30 s), as ali-oss keeps them (15 s)', () => {
  assert.ok(FREE_SOCKET_TIMEOUT_MS < 30_000);
  assert.ok(resendable({ method: 'DELETE' }) && !resendable({ method: 'POST' }) && !resendable({ method: 'PUT', stream: Readable.from([]) }));
});
