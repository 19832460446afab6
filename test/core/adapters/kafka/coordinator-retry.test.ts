// A group's committed offsets read while its coordinator loads or moves: kafkajs's admin asks once, so the
// adapter asks again on the coordinator's retriable answers (crr status's first read after start failed
// on NOT_COORDINATOR_FOR_GROUP), and on nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCoordinatorNotReady, retryCoordinator } from '../../../../core/adapters/kafka/coordinator-retry.ts';

const protocol = (type: string, retriable = true) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });

test('a coordinator loading, unavailable or moved is "ask again"; other errors are not', () => {
  for (const type of ['NOT_COORDINATOR_FOR_GROUP', 'COORDINATOR_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE']) {
    assert.ok(isCoordinatorNotReady(protocol(type)), type);
    assert.ok(isCoordinatorNotReady(Object.assign(new Error('retries'), { cause: protocol(type) })), `${type} wrapped`);
  }
  for (const type of ['GROUP_AUTHORIZATION_FAILED', 'UNKNOWN_TOPIC_OR_PARTITION', 'REQUEST_TIMED_OUT']) assert.ok(!isCoordinatorNotReady(protocol(type)), type);
  assert.ok(!isCoordinatorNotReady(new Error('connect ECONNREFUSED')));
  assert.ok(!isCoordinatorNotReady(undefined));
});

test('the read is asked again while the coordinator is not ready, then answers', async () => {
  const slept: number[] = [];
  let calls = 0;
  const offsets = await retryCoordinator(async () => {
    calls++;
    if (calls < 3) throw protocol('NOT_COORDINATOR_FOR_GROUP');
    return 'offsets';
  }, [100, 200, 400], async (ms) => { slept.push(ms); });
  assert.equal(offsets, 'offsets');
  assert.deepEqual(slept, [100, 200]);
});

test('any other error is thrown at once, and a coordinator never ready fails after the last sleep', async () => {
  let calls = 0;
  await assert.rejects(retryCoordinator(async () => { calls++; throw protocol('GROUP_AUTHORIZATION_FAILED', false); }, [1, 1], async () => {}),
    /GROUP_AUTHORIZATION_FAILED/);
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(retryCoordinator(async () => { calls++; throw protocol('COORDINATOR_LOAD_IN_PROGRESS'); }, [1, 1], async () => {}),
    /COORDINATOR_LOAD_IN_PROGRESS/);
  assert.equal(calls, 3);
});
