// The adapter's HTTP transport on real sockets, at the failures a plain OSS server never produces on demand:
// an answer cut short, an answer that never comes, an aborted request, and connection reuse across the stores
// of many rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyOssError } from '../../../core/adapters/oss/error-table.ts';
import { CrrError } from '../../../core/errors.ts';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import { createTransport, sharedTransport } from '../../../core/adapters/oss/transport.ts';

const creds = { accessKeyId: 'transport-test', accessKeySecret: 'not-a-real-secret' };

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; endpoint: string; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, endpoint: `http://localhost:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const close = (s: Server) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });

test('an answer cut short fails at once as a retriable NETWORK error (no wait for a timeout)', async () => {
  const { server, endpoint } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': '500' });
    res.write('<AccessControlPolicy>');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  try {
    const t = createTransport({ endpoint, region: 'oss-cn-hangzhou', ...creds, timeoutMs: 60_000 });
    const started = Date.now();
    const err = await t.send({ method: 'GET', bucket: 'b', object: 'k', subres: { acl: '' } }).then(() => undefined, (e: unknown) => e);
    assert.ok(err, 'the request must fail');
    assert.ok(Date.now() - started < 5000, 'it failed when the connection died, not at the 60 s timeout');
    const classified = classifyOssError(err, { stage: 'source-read', op: 'GetObjectAcl' });
    assert.deepEqual([classified.code, classified.retriable], ['NETWORK', true]);
  } finally {
    await close(server);
  }
});

test('an answer that never comes fails after the idle timeout as a retriable TIMEOUT', async () => {
  const { server, endpoint } = await serve(() => { /* never answers */ });
  try {
    const store = createObjectStore({ endpoint, region: 'oss-cn-hangzhou', ...creds, timeoutMs: 300 });
    await assert.rejects(store.headObject('b', 'k'), (e: unknown) => {
      const c = classifyOssError(e, { stage: 'source-read', op: 'HeadObject' });
      return c.code === 'TIMEOUT' && c.retriable;
    });
  } finally {
    await close(server);
  }
});

test('stores of many rules on one endpoint and key share one connection pool', async () => {
  const { server, endpoint, connections } = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(404, { 'content-length': '0', 'x-oss-request-id': 'r' });
      res.end();
    });
  });
  try {
    const opts = { endpoint, region: 'oss-cn-hangzhou', ...creds, timeoutMs: 5000 };
    assert.equal(sharedTransport(opts), sharedTransport({ ...opts }), 'the same options give the same transport');
    assert.notEqual(sharedTransport(opts), sharedTransport({ ...opts, accessKeySecret: 'another' }), 'other credentials get a pool of their own');
    const stores = Array.from({ length: 5 }, () => createObjectStore(opts));
    for (const store of stores) assert.equal(await store.headObject('b', 'missing'), null);
    assert.equal(connections(), 1, 'five stores, one after another, used one kept-alive connection');
  } finally {
    await close(server);
  }
});

test('an aborted request destroys its connection at once and fails as ABORTED (not retriable), a streamed body too', async () => {
  let closed = 0;
  const { server, endpoint, connections } = await serve((req, res) => {
    req.socket.once('close', () => closed++);
    if (req.method === 'GET' && !req.url?.includes('acl')) {
      res.writeHead(200, { 'content-length': '1000', etag: '"e"' });
      res.write(Buffer.alloc(100)); // and the rest never comes
    }
    // anything else: never answered
  });
  try {
    const store = createObjectStore({ endpoint, region: 'oss-cn-hangzhou', ...creds, timeoutMs: 60_000 });
    const isAborted = (e: unknown) => e instanceof CrrError && e.code === 'ABORTED' && !e.retriable && /partition revoked/.test(e.message);
    const reason = new Error('partition revoked');

    const head = new AbortController();
    const started = Date.now();
    setTimeout(() => head.abort(reason), 50);
    await assert.rejects(store.withSignal(head.signal).headObject('b', 'k'), isAborted);
    assert.ok(Date.now() - started < 5000, 'it failed when aborted, not at the timeout');

    const get = new AbortController();
    const body = await store.withSignal(get.signal).getObject('b', 'k');
    const failed = new Promise<unknown>((resolve) => body.stream.on('error', resolve));
    body.stream.resume();
    get.abort(reason);
    assert.ok(isAborted(await failed), 'the body did not fail as ABORTED');

    const before = connections();
    await assert.rejects(store.withSignal(AbortSignal.abort(reason)).headObject('b', 'k'), isAborted);
    assert.equal(connections(), before, 'a request aborted before it started opened a connection');
    await waitUntil(() => closed === 2);
    assert.equal(store.withSignal(head.signal).withSignal(undefined).signal, undefined);
  } finally {
    await close(server);
  }
});

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
