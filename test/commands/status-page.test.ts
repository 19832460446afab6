// The `crr status --serve` page in headless Chromium: the server's /status, /metrics and / over a status
// reader on in-memory fakes of the broker (the Kafka side is the stall test's), a backfill job's bar at
// its percentage, and the page redrawn by its own script from /status. Skips only when chromium is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { serveStatus } from '../../bin/commands/status/serve.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics } from '../../core/metrics/metrics.ts';
import type { InboundMessage, ReadAt } from '../../core/ports/bus.ts';
import { encodeProgress } from '../../processors/progress-metadata.ts';
import { StatusReader } from '../../processors/status/read-status.ts';
import { FakeBrokerOffsets } from '../helpers/fake-broker-offsets.ts';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const chromiumFlags = (profile: string) => ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`];

test('the status page shows each rule\'s watermark and lag and a backfill job\'s bar, and redraws itself from /status', {
  skip: existsSync(CHROMIUM) ? false : `chromium not found at ${CHROMIUM} (Debian package chromium; .ci/run installs it)`, timeout: 120_000,
}, async (t) => {
  const at = Date.parse('2026-12-01T08:00:00.000Z');
  const broker = new FakeBrokerOffsets();
  broker.setEnd('changes', 0, 50);
  broker.setEnd('dlq', 0, 3);
  broker.commit('g', 'changes', 0, 20, encodeProgress({ takenUpTo: '50', oldestPending: { 'tenant-a': at - 90_000 } }));
  const readAt: ReadAt = async () => new Map<number, InboundMessage>();
  const reader = new StatusReader({
    offsets: broker, readAt, topics: { changes: 'changes', deadLetter: 'dlq' }, groupId: 'g', rules: ['tenant-a', 'tenant-b'], now: () => at,
    jobs: async () => [{ jobId: 'job-7', rule: 'tenant-b', state: 'RUNNING', percent: 42 }],
  });
  const metrics = createMetrics(new Registry());
  const served = await serveStatus({ reader, metrics, listen: '127.0.0.1:0', intervalMs: 200, logger: createLogger('status-page-test', 'silent') });
  const profile = mkdtempSync(join(tmpdir(), 'crr-chromium-'));
  try {
    const json = await (await fetch(new URL('/status', served.url))).json() as { rules: { rule: string; replicatedUntil: string }[] };
    assert.deepEqual(json.rules.map((r) => [r.rule, r.replicatedUntil]), [['tenant-a', '2026-12-01T07:58:29.999Z'], ['tenant-b', '2026-12-01T08:00:00.000Z']]);
    const text = await (await fetch(new URL('/metrics', served.url))).text();
    assert.match(text, /crr_replicated_until_timestamp_seconds\{rule="tenant-a"\} 1796111909\.999/);
    assert.match(text, /crr_rule_lag_seconds\{rule="tenant-a"\} 90\.001/);
    assert.match(text, /crr_consumer_lag_messages\{topic="changes",partition="0"\} 30/);
    assert.match(text, /crr_kafka_reachable 1/);
    assert.equal((await fetch(new URL('/nothing', served.url))).status, 404);
    assert.equal((await fetch(served.url, { method: 'POST' })).status, 405);

    // The DOM after the page's own script has fetched /status and redrawn it (virtual time lets its timer run).
    const { stdout: dom } = await run(CHROMIUM, [...chromiumFlags(profile), '--virtual-time-budget=3000', '--dump-dom', served.url], { timeout: 60_000 });
    assert.match(dom, /data-drawn="browser"/, 'the page redrew itself from /status');
    assert.match(dom, /<tr data-rule="tenant-a"><td>tenant-a<\/td><td class="until">2026-12-01T07:58:29\.999Z<\/td><td class="lag">90\.0 s<\/td><td class="msgs">30<\/td>/);
    assert.match(dom, /<tr data-rule="tenant-b"><td>tenant-b<\/td><td class="until">2026-12-01T08:00:00\.000Z<\/td><td class="lag">0\.0 s<\/td>/);
    assert.match(dom, /<div class="job" data-job="job-7">.*tenant-b · RUNNING · <span class="pct">42\.0 %<\/span>/);
    assert.match(dom, /<div class="fill" style="width:42%"><\/div>/);
    assert.match(dom, /Dead letters: <span id="dead">3<\/span>/);

    const png = join(profile, 'status.png');
    await run(CHROMIUM, [...chromiumFlags(profile), `--screenshot=${png}`, '--window-size=900,520', '--virtual-time-budget=3000', served.url], { timeout: 60_000 });
    assert.ok(statSync(png).size > 5000, 'a screenshot was written');
    if (process.env.CRR_KEEP_SCREENSHOT) t.diagnostic(`screenshot kept at ${png}`);
  } finally {
    await served.close();
    if (!process.env.CRR_KEEP_SCREENSHOT) rmSync(profile, { recursive: true, force: true });
  }
});
