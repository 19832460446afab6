// `crr status` on the real broker and local OSS servers, with `crr process` children: one rule's destination
// answers 503 for every request, so its changes stay unapplied. Its last synchronization time stops at or
// before the oldest unapplied change's capture time, while a rule whose source gets the same writes (rules
// are one-to-one, so two rules never share a message) keeps moving; after SIGKILL of every processor, neither value jumps forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StatusReport } from '../../../processors/status/read-status.ts';
import { decode } from '../../../schemas/codec.ts';
import { freePort } from '../../../deploy/local/free-port.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { readUntil } from '../../helpers/kafka.ts';
import { projectRoot, startStack, waitFor, type Stack } from '../../helpers/pipeline.ts';

const run = promisify(execFile);

async function status(stack: Stack): Promise<StatusReport> {
  const { stdout } = await run(process.execPath, [join(projectRoot, 'bin/crr.js'), 'status', '--config', stack.configFile, '--json'],
    { cwd: projectRoot, env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' }, timeout: 60_000 });
  return JSON.parse(stdout) as StatusReport;
}

const until = (r: StatusReport, rule: string) => r.rules.find((x) => x.rule === rule)!.replicatedUntilMs!;

/** Capture times of the changes of `keys` on the changes topic. */
async function captureTimes(stack: Stack, keys: Set<string>): Promise<number[]> {
  const msgs = await readUntil(stack.kafka, stack.config.topicNames.changes, (ms) => ms.filter((m) => keys.has(decode('ObjectChange', m.value!).key)).length >= keys.size);
  return msgs.map((m) => decode('ObjectChange', m.value!)).filter((c) => keys.has(c.key)).map((c) => c.captureTime);
}

test('a stalled destination holds only its rule\'s watermark; after SIGKILL of every processor nothing jumps forward', { timeout: 240_000 }, async (t) => {
  const stack = await startStack({
    // Rules are one-to-one (issue 12): each has its source; every key is written to both, so both rules get the same changes.
    rules: [{ id: 'stalled', source: 'src', destination: 'dst-stalled' }, { id: 'moving', source: 'src-moving', destination: 'dst-moving' }],
    partitions: 2,
    // 503s are retried, not dead-lettered, for far longer than the test runs.
    processing: { retries: 100 },
  });
  try {
    const put = (key: string) => {
      const body = Buffer.from(`body of ${key}`);
      return Promise.all(['src', 'src-moving'].map((b) => stack.writer.hz.putObject(stack.bucket(b), key, body, { headers: {}, contentLength: body.length })));
    };
    const procs = [await stack.spawnProcessor(), await stack.spawnProcessor()];
    for (let i = 0; i < 6; i++) await put(`before/${i}`);
    await stack.waitConverged(['stalled', 'moving'], 90_000);

    await stack.sh.setFaults({ bucketErrors: { [stack.bucket('dst-stalled')]: { status: 503, code: 'SlowDown' } } });
    const stuck = new Set(Array.from({ length: 4 }, (_, i) => `stuck/${i}`));
    for (const k of stuck) await put(k);
    const oldestStuck = Math.min(...await captureTimes(stack, stuck));
    await stack.waitConverged(['moving'], 60_000);
    const s1 = await status(stack);
    t.diagnostic(`first: ${JSON.stringify(s1.rules)}`);
    assert.ok(until(s1, 'stalled') <= oldestStuck, `stalled rule: ${until(s1, 'stalled')} must not pass the oldest unapplied change ${oldestStuck}`);
    assert.ok(until(s1, 'moving') > oldestStuck, 'the other rule has passed the stalled changes');

    // More changes: the moving rule applies them and its watermark moves; the stalled one stays put.
    for (let i = 0; i < 4; i++) await put(`later/${i}`);
    await stack.waitConverged(['moving'], 60_000);
    await waitFor('the moving rule\'s watermark to move on', async () => until(await status(stack), 'moving') > until(s1, 'moving'), 60_000, 500);
    const s2 = await status(stack);
    t.diagnostic(`second: ${JSON.stringify(s2.rules)}`);
    assert.ok(until(s2, 'stalled') <= oldestStuck);
    assert.ok(until(s2, 'moving') > until(s1, 'moving'));
    assert.ok(s2.changes.lagMessages > 0, 'the stuck changes are not committed');

    // The plain report for one rule, and --serve: /status and /metrics say the same.
    const plain = (await run(process.execPath, [join(projectRoot, 'bin/crr.js'), 'status', '--config', stack.configFile, '--rule', 'stalled'],
      { cwd: projectRoot, env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' }, timeout: 60_000 })).stdout;
    assert.match(plain, new RegExp(`^stalled +${new Date(until(s2, 'stalled')).toISOString().replace(/\./g, '\\.')} `, 'm'));
    assert.doesNotMatch(plain, /^moving /m);
    const port = await freePort();
    const server = spawnCrr(['status', '--config', stack.configFile, '--serve', `127.0.0.1:${port}`, '--interval', '500'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('crr status --serve to answer', async () => (await fetch(`${base}/status`).catch(() => undefined))?.ok === true, 60_000, 300);
      const served = await (await fetch(`${base}/status`)).json() as StatusReport;
      assert.equal(until(served, 'stalled'), until(s2, 'stalled'));
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.ok(metrics.includes(`crr_replicated_until_timestamp_seconds{rule="stalled"} ${until(s2, 'stalled') / 1000}`), metrics);
      assert.match(metrics, /^crr_kafka_reachable 1$/m);
      assert.match(await (await fetch(base)).text(), /<tr data-rule="stalled">/);
    } finally {
      await server.stop();
    }
    assert.equal((await server.exited).code, 0, `crr status --serve exits 0 on SIGTERM: ${server.output()}`);
    // --watch piped: one JSON report per line, refreshed; SIGTERM ends it with 0.
    const watch = spawnCrr(['status', '--config', stack.configFile, '--watch', '--json', '--interval', '300'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    try {
      const reports = () => watch.output().split('\n').filter((l) => l.startsWith('{"at"')).map((l) => JSON.parse(l) as StatusReport);
      await waitFor('two watched reports', () => reports().length >= 2, 60_000, 200);
      const [w1, w2] = reports();
      assert.ok(Date.parse(w2!.at) > Date.parse(w1!.at));
      assert.equal(until(w2!, 'stalled'), until(s2, 'stalled'));
    } finally {
      await watch.stop();
    }
    assert.equal((await watch.exited).code, 0);

    // Every processor SIGKILLed, then changes nobody applies: the values do not jump forward.
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    const s3 = await status(stack);
    const after = new Set(['after/0', 'after/1']);
    for (const k of after) await put(k);
    const firstAfter = Math.min(...await captureTimes(stack, after));
    const s4 = await status(stack);
    t.diagnostic(`after SIGKILL: ${JSON.stringify(s3.rules)} then ${JSON.stringify(s4.rules)}`);
    for (const s of [s3, s4]) assert.ok(until(s, 'stalled') <= until(s2, 'stalled'), 'the stalled rule does not jump forward');
    assert.ok(until(s3, 'moving') >= until(s2, 'moving'), 'with nothing new unapplied, the moving rule holds what was applied');
    assert.ok(until(s4, 'moving') < firstAfter, `the moving rule stops before the first change no one applied (${until(s4, 'moving')} vs ${firstAfter})`);
    assert.ok(until(s4, 'moving') >= until(s2, 'moving'), 'and keeps what was applied');
    assert.ok(s4.rules.find((x) => x.rule === 'moving')!.lagSeconds! > 0, 'its lag grows while no processor runs');
  } finally {
    await stack.stop();
  }
});
