// The launcher against real brokers: a second start of a running broker says so and succeeds;
// status tells running from stopped; a broker that cannot start fails with the log's last lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUuid, start, status, stop } from '../../../../deploy/local/kafka/broker.ts';
import { freePort } from '../../../helpers/net.ts';

test('start, start again, status, stop', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'crr-kafka-'));
  const lines: string[] = [];
  const opts = { port, controllerPort: await freePort(), dataDir, log: (l: string) => lines.push(l) };
  try {
    const first = await start(opts);
    assert.equal(first.alreadyRunning, false);
    assert.equal(first.brokers, `127.0.0.1:${port}`);
    const again = await start(opts);
    assert.equal(again.alreadyRunning, true, 'a second start finds the running broker');
    assert.equal(again.pid, first.pid);
    assert.ok(lines.some((l) => l.includes('already running')), lines.join('\n'));
    assert.equal((await status(opts)).running, true);
    assert.equal(await stop(opts), true);
    assert.equal((await status(opts)).running, false);
    assert.equal(await stop(opts), false, 'stopping a stopped broker is not an error');
  } finally {
    await stop(opts);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a broker that cannot bind its port fails with the last lines of its log', { timeout: 120_000 }, async () => {
  // A plain TCP server holds the port; it accepts and never answers (the launcher's probes time out).
  const sockets = new Set<import('node:net').Socket>();
  const blocker = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dataDir = mkdtempSync(join(tmpdir(), 'crr-kafka-'));
  try {
    await assert.rejects(start({ port, controllerPort: await freePort(), dataDir, startTimeoutMs: 60_000 }), (err: Error) => {
      assert.match(err.message, /did not start/);
      assert.match(err.message, /Address already in use/);
      assert.match(err.message, /Last lines of/);
      return true;
    });
  } finally {
    await stop({ port, dataDir });
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => blocker.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('cluster ids never start with a dash (the storage tool would read one as an option)', () => {
  for (let i = 0; i < 5000; i++) {
    const id = clusterUuid();
    assert.equal(Buffer.from(id, 'base64url').length, 16);
    assert.ok(!id.startsWith('-'), id);
  }
});
