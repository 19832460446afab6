// withRetry: backoff between attempts, the classifier decides, and an abort ends the waiting at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrrError } from '../../core/errors.ts';
import { isRetriable, isRetriableInPlace, withRetry } from '../../core/retry.ts';

const throttled = () => new CrrError('SlowDown', { code: 'THROTTLED', retriable: true });

test('retries a retriable failure up to the budget, never a programming error', async () => {
  let calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw throttled(); },
    { policy: { retries: 3, initialDelayMs: 1, maxDelayMs: 2, factor: 2 }, isRetriable }), (e) => e instanceof CrrError && e.code === 'THROTTLED');
  assert.equal(calls, 4);
  calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw new TypeError('bug'); }, { isRetriable: () => true }), TypeError);
  assert.equal(calls, 1);
});

test('an abort during the sleep between attempts ends it at once with the reason, and nothing more is tried', async () => {
  const controller = new AbortController();
  const reason = new CrrError('partition revoked', { code: 'CRR_PARTITION_REVOKED', retriable: true });
  let calls = 0;
  const started = Date.now();
  setTimeout(() => controller.abort(reason), 30);
  await assert.rejects(withRetry(async () => { calls++; throw throttled(); },
    { policy: { retries: 5, initialDelayMs: 60_000, maxDelayMs: 60_000, factor: 1 }, isRetriable, random: () => 1, signal: controller.signal }),
  (e) => e === reason);
  assert.equal(calls, 1);
  assert.ok(Date.now() - started < 10_000, 'the minute-long backoff was slept through');

  calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw throttled(); }, { isRetriable, signal: AbortSignal.abort(reason) }),
    (e) => e instanceof CrrError && e.code === 'THROTTLED');
  assert.equal(calls, 1, 'an aborted signal must stop the retries');
});

test('what is retried: retriable CrrErrors only; in place, not a changed source (the key is reconciled again)', () => {
  const changed = new CrrError('412', { code: 'SOURCE_CHANGED', retriable: true, stage: 'source-read' });
  assert.deepEqual([isRetriable(throttled()), isRetriableInPlace(throttled())], [true, true]);
  assert.deepEqual([isRetriable(changed), isRetriableInPlace(changed)], [true, false]);
  assert.equal(isRetriable(new CrrError('403', { code: 'ACCESS_DENIED' })), false);
  assert.equal(isRetriable(Object.assign(new Error('socket hang up'), { retriable: true })), false, 'a foreign error is not retried');
});
