// The launcher against real brokers: a second start of a running broker says so and succeeds (the
// secured listener's users read back); status tells running from stopped; a broker that cannot
// start fails with the log's last lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUuid, start, status, stop } from '../../../../deploy/local/kafka/broker.ts';
import { freePort, freePorts } from '../../../../deploy/local/free-port.ts';

test('start (with a SASL_SSL listener), start again, status, stop', { timeout: 120_000 }, async (t) => {
  const [port, controllerPort, securePort] = await freePorts(3);
  const dataDir = mkdtempSync(join(tmpdir(), 'crr-kafka-'));
  const lines: string[] = [];
  const opts = { port, controllerPort, securePort, secure: true, dataDir, log: (l: string) => lines.push(l) };
  try {
    const t0 = Date.now();
    const first = await start(opts);
    t.diagnostic(`secured broker (keytool CA and keystore, SCRAM users at format) started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(first.alreadyRunning, false);
    assert.equal(first.brokers, `127.0.0.1:${port}`);
    assert.equal(first.secure?.brokers, `127.0.0.1:${securePort}`);
    assert.match(readFileSync(first.secure!.caFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.deepEqual([first.secure!.scram.username, first.secure!.plain.username], ['crr_scram', 'crr_plain']);
    for (const file of ['secure-users.json', 'server.properties']) {
      assert.equal(statSync(join(dataDir, file)).mode & 0o077, 0, `${file} (it holds passwords) is readable by its owner only`);
    }
    assert.ok(lines.every((l) => !l.includes(first.secure!.scram.password) && !l.includes(first.secure!.plain.password)), 'no password in the log');
    const again = await start(opts);
    assert.equal(again.alreadyRunning, true, 'a second start finds the running broker');
    assert.equal(again.pid, first.pid);
    assert.deepEqual(again.secure, first.secure, 'the same listener and users');
    assert.ok(lines.some((l) => l.includes('already running')), lines.join('\n'));
    const s = await status(opts);
    assert.equal(s.running, true);
    assert.equal(s.secure?.brokers, first.secure?.brokers);
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
