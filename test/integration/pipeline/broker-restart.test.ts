// Issue 11 "Done when", one broker: the broker is SIGKILLed under a steady workload and restarted once the
// processor's Kafka consumer has crashed (what a long outage does). Consumption resumes within the session
// timeout plus 5 s of the broker's return (it waited a whole rebalance timeout while a heartbeat of the
// crashed member kept that member alive), the processor's readiness (/readyz) fails during the outage and
// passes again after it, and every object converges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../core/logging.ts';
import { fastRetryPolicy } from '../../../core/retry.ts';
import { startLocalStack } from '../../../deploy/local/stack.ts';
import { kafkaClusterForFile } from '../../helpers/kafka-cluster.ts';
import { metricSum, waitFor } from '../../helpers/pipeline.ts';

const cluster = kafkaClusterForFile({ brokers: 1 });
// Short enough to keep the test lean; the rebalance timeout keeps its default (60 s), which is what the
// stall lasted, so a stall cannot pass for a resume.
const SESSION_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pino destination that keeps the log lines' messages, to see what the runner reported. */
function logSink(): { stream: Writable; count(msg: string): number; lastAt(msg: string): number | undefined } {
  const messages = new Map<string, number>();
  const last = new Map<string, number>();
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        let msg: string;
        try { msg = String((JSON.parse(line) as { msg?: unknown }).msg); } catch { continue; }
        messages.set(msg, (messages.get(msg) ?? 0) + 1);
        last.set(msg, Date.now());
      }
      done();
    },
  });
  return { stream, count: (msg) => messages.get(msg) ?? 0, lastAt: (msg) => last.get(msg) };
}

test('a broker SIGKILLed and restarted: consumption resumes within sessionTimeoutMs + 5 s and every object converges', { timeout: 240_000 }, async (t) => {
  const node = cluster().nodes[0]!;
  const sink = logSink();
  const stack = await startLocalStack({
    name: 'broker-restart', kafka: { brokers: cluster().bootstrap }, rules: [{ id: 'r', source: 'src', destination: 'dst' }], partitions: 3,
    processing: { concurrency: 16, sessionTimeoutMs: SESSION_TIMEOUT_MS },
    oss: { timeoutMs: 20_000, writerTimeoutMs: 30_000 }, retryPolicy: { ...fastRetryPolicy, retries: 8 },
    logger: createLogger('broker-restart-test', 'info', sink.stream),
  });
  let writing = true;
  let writer: Promise<void> | undefined;
  try {
    const processing = await stack.startProcessing();
    // A steady workload: one put every 50 ms over 40 keys, before, during and after the outage.
    let written = 0;
    writer = (async () => {
      while (writing) {
        const body = Buffer.from(`v${written}`);
        await stack.writer.hangzhou.putObject(stack.bucket('src'), `k${written % 40}`, body, { headers: {}, contentLength: body.length });
        written++;
        await sleep(50);
      }
    })();
    const reconciled = () => metricSum(stack.metrics.reconciles);
    await waitFor('the first reconciles', async () => (await reconciled()) > 20, 60_000);
    await waitFor('/readyz to pass', () => processing.readiness().ready, 30_000);

    // A lag round has exported the owned partitions before the kill (rounds run every 5 s).
    await waitFor('the lag of the owned partitions', () => processing.consumerLag!.lag(stack.config.topicNames.changes).size > 0, 30_000, 100);
    const crashes = sink.count('consumer crashed');
    await node.kill('SIGKILL');
    const killedAt = Date.now();
    // kafkajs gives up on the broker and restarts the consumer (a new group member) after its retries.
    // /readyz fails once no broker has answered for the contact timeout (5 s here).
    await waitFor('/readyz to fail', () => !processing.readiness().ready, 30_000, 100);
    const unready = processing.readiness().reasons.join('; ');
    t.diagnostic(`/readyz during the outage: ${unready}`);
    assert.match(unready, /no answer from Kafka/);
    // Lag from the broker: the admin round trips fail, crr_kafka_reachable turns 0, and the lag of the owned
    // partitions is held at its last known value (never dropped, so it never reads as caught up).
    const lag = processing.consumerLag!;
    const heldBefore = [...lag.lag(stack.config.topicNames.changes).keys()].length;
    assert.ok(heldBefore > 0, 'the processor exports lag for the partitions it owns');
    await waitFor('crr_kafka_reachable to turn 0', () => lag.reachable() === false, 60_000, 100);
    assert.equal(await metricSum(stack.metrics.kafkaReachable), 0, 'crr_kafka_reachable is 0 during the outage');
    assert.equal([...lag.lag(stack.config.topicNames.changes).keys()].length, heldBefore, 'the lag series are held, not removed');
    await waitFor('the consumer to crash', () => sink.count('consumer crashed') > crashes, 90_000, 100);
    assert.equal(processing.readiness().ready, false);
    const crashedAfterMs = Date.now() - killedAt;
    await node.restart();
    const returnedAt = Date.now();
    const before = await reconciled();
    // Consumption resumes when the restarted member gets its assignment (the runner logs it, then fetches);
    // the first reconcile finished after that also waits for the hand-over grace and its OSS requests.
    const assignments = sink.count('assignment');
    await waitFor('the member to rejoin', () => sink.count('assignment') > assignments, 120_000, 100);
    const resumeMs = sink.lastAt('assignment')! - returnedAt;
    await waitFor('a reconcile after the return', async () => (await reconciled()) > before, 60_000, 100);
    const reconcileMs = Date.now() - returnedAt;
    t.diagnostic(`consumer crashed ${crashedAfterMs} ms after the kill; the member rejoined and consumption resumed ${resumeMs} ms after the ` +
      `broker returned, the first reconcile finished at ${reconcileMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms, rebalance timeout 60000 ms)`);
    assert.ok(resumeMs <= SESSION_TIMEOUT_MS + 5000, `resumed ${resumeMs} ms after the broker's return`);
    await waitFor('/readyz to pass again', () => processing.readiness().ready, 30_000, 100);
    await waitFor('crr_kafka_reachable back to 1', () => lag.reachable() === true, 30_000, 100);

    await sleep(2000);
    writing = false;
    await writer;
    await stack.waitConverged(['r'], 90_000);
    t.diagnostic(`${written} puts over 40 keys converged`);
    assert.equal(await metricSum(stack.metrics.deadLetters), 0, 'nothing dead-lettered');
    await processing.stop();
  } finally {
    writing = false;
    await writer?.catch(() => {});
    await stack.stop();
  }
});
