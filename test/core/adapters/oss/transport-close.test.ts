// The transport's close handling: the close after a whole answer is no failure (the request resolved and its
// keep-alive connection carries the next one), and a connection that dies mid-body fails the request as a
// retriable NETWORK error.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createTransport } from '../../../../core/adapters/oss/transport.ts';
import { TransportError } from '../../../../core/adapters/oss/transport-error.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a whole answer resolves, a connection cut mid-body fails as NETWORK', async (t) => {
  const sockets = new Set<unknown>();
  const server = createServer((req, res) => {
    sockets.add(req.socket);
    if (req.url?.startsWith('/cut')) {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('0123456789');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    res.writeHead(200, { 'Content-Length': '5' });
    res.end('hello');
  });
  const endpoint = await listen(server);
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const transport = createTransport({ endpoint, region: 'oss-cn-hangzhou', addressing: 'path', accessKeyId: 'ak', accessKeySecret: 'sk', timeoutMs: 5000 });

  for (let i = 0; i < 3; i++) {
    const res = await transport.send({ method: 'GET', bucket: 'b', object: `ok-${i}` });
    assert.equal(res.status, 200);
    assert.equal(res.data?.toString(), 'hello');
  }
  assert.equal(sockets.size, 1, 'three answers over one keep-alive connection');

  const failed = await transport.send({ method: 'GET', bucket: 'cut', object: 'x' }).then(() => undefined, (err: unknown) => err);
  assert.ok(failed instanceof TransportError, `a cut body fails with a TransportError, got ${String(failed)}`);
  assert.equal(failed.meaning.code, 'NETWORK');
  assert.equal(failed.meaning.retriable, true);
});
