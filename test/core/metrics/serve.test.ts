// The probes beside /metrics: /healthz fails while the event loop is late, /readyz answers the process's own
// check (503 with its reasons), "starting" before one is set and "stopping" once shutdown began.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { serveMetrics } from '../../../core/metrics/serve.ts';

async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.text() };
}

test('/healthz: ok while the event loop turns, 503 right after it was blocked longer than loopStallMs', async () => {
  const served = await serveMetrics(new Registry(), '127.0.0.1:0', { loopStallMs: 300 });
  const base = served.url.replace(/\/metrics$/, '');
  try {
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(await get(base, '/healthz'), { status: 200, body: 'ok\n' });
    const until = Date.now() + 600;
    while (Date.now() < until) { /* a handler that never yields */ }
    const blocked = await get(base, '/healthz');
    assert.equal(blocked.status, 503);
    assert.match(blocked.body, /event loop late by \d+ ms \(limit 300 ms\)/);
    await new Promise((r) => setTimeout(r, 2300));
    assert.equal((await get(base, '/healthz')).status, 200, 'healthy again once the loop keeps time');
  } finally {
    await served.close();
  }
});

test('/readyz: starting, then the check (503 with its reasons, 200 when ready), then stopping', async () => {
  const served = await serveMetrics(new Registry(), '127.0.0.1:0');
  const base = served.url.replace(/\/metrics$/, '');
  try {
    assert.deepEqual(await get(base, '/readyz'), { status: 503, body: 'starting\n' });
    let state = { ready: false, reasons: ['changes: not connected to Kafka yet', 'changes: not a member of its consumer group'] };
    served.setReadiness(() => state);
    assert.deepEqual(await get(base, '/readyz'), { status: 503, body: 'changes: not connected to Kafka yet\nchanges: not a member of its consumer group\n' });
    state = { ready: true, reasons: [] };
    assert.deepEqual(await get(base, '/readyz'), { status: 200, body: 'ready\n' });
    served.setReadiness(() => { throw new Error('boom'); });
    assert.deepEqual(await get(base, '/readyz'), { status: 503, body: 'readiness check failed: boom\n' });
    served.stopping();
    assert.deepEqual(await get(base, '/readyz'), { status: 503, body: 'stopping\n' });
    assert.equal((await get(base, '/metrics')).status, 200);
    assert.equal((await get(base, '/nope')).status, 404);
  } finally {
    await served.close();
  }
});
