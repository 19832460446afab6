// The kafkajs retry budget every client gets (KAFKA_RETRY): no backoff sleep longer than 5 s, so a request
// begun during a broker outage (an outcome publish, a commit, the reconnect inside either) tries again within
// 5 s of the broker's return; and about as long as before before a request gives up, so a short blip does not
// crash a consumer sooner. The sleeps follow kafkajs 2.2.4's retrier (retry/index.js: factor 0.2, multiplier 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KAFKA_RETRY } from '../../../../core/adapters/kafka/client.ts';

/** The sleeps kafkajs takes between the attempts of one request, at the given end of its ±20 % jitter. */
function sleeps(cfg: { initialRetryTime: number; maxRetryTime: number; retries: number }, jitter: -1 | 0 | 1): number[] {
  const factor = 0.2;
  const multiplier = 2;
  const out: number[] = [];
  let retryTime = Math.ceil(cfg.initialRetryTime * (1 + jitter * factor));
  for (let i = 0; i < cfg.retries; i++) {
    out.push(retryTime);
    retryTime = Math.min(Math.ceil(retryTime * (1 + jitter * factor)) * multiplier, cfg.maxRetryTime);
  }
  return out;
}

test('no kafkajs backoff sleep is longer than 5 s: a request begun in an outage retries soon after the broker returns', () => {
  const longest = Math.max(...sleeps(KAFKA_RETRY, 1));
  assert.ok(longest <= 5000, `a request may sleep ${longest} ms after the broker is back`);
  // kafkajs's own ceiling (30 s) is what held finished work uncommitted for ~30 s after a broker restart.
  assert.ok(Math.max(...sleeps({ ...KAFKA_RETRY, maxRetryTime: 30_000, retries: 8 }, 1)) > 20_000);
});

test('a request gives up no sooner than before the cap (a consumer crash and restart is no reaction to a blip)', () => {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const before = { initialRetryTime: 100, maxRetryTime: 30_000, retries: 8 };
  assert.ok(sum(sleeps(KAFKA_RETRY, 0)) >= sum(sleeps(before, 0)), `${sum(sleeps(KAFKA_RETRY, 0))} ms of sleeps against ${sum(sleeps(before, 0))} ms`);
  assert.ok(sum(sleeps(KAFKA_RETRY, -1)) >= 20_000, `gives up after ${sum(sleeps(KAFKA_RETRY, -1))} ms of sleeps at the low end of the jitter`);
});
