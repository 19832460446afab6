// kafkajs log lines at the level they deserve: routine rebalances and coordinator or leader moves are no
// errors; a refused login, a crash and a failed send stay errors. The lines are kafkajs 2.2.4's own wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaLogLevel } from '../../../../core/adapters/kafka/log-levels.ts';

const REBALANCING = 'The group is rebalancing, so a rejoin is needed';
const NOT_COORDINATOR = 'This is not the correct coordinator for this group';

test('a rebalance is info: the heartbeat, join and commit answers, the runner re-joining, the join itself', () => {
  for (const api of ['Heartbeat(key: 12, version: 3)', 'OffsetCommit(key: 8, version: 5)', 'SyncGroup(key: 14, version: 3)']) {
    assert.equal(kafkaLogLevel('error', `Response ${api}`, { error: REBALANCING, correlationId: 7, size: 10 }), 'info', api);
  }
  assert.equal(kafkaLogLevel('warn', 'The group is rebalancing, re-joining', { groupId: 'g', memberId: 'm', error: REBALANCING }), 'info');
  assert.equal(kafkaLogLevel('error', 'Response OffsetCommit(key: 8, version: 5)', { error: 'Specified group generation id is not valid' }), 'info');
  assert.equal(kafkaLogLevel('info', 'Consumer has joined the group', { groupId: 'g' }), 'info');
});

test('a coordinator or partition leader that moved is warn', () => {
  assert.equal(kafkaLogLevel('error', 'Response Heartbeat(key: 12, version: 3)', { error: NOT_COORDINATOR }), 'warn');
  assert.equal(kafkaLogLevel('error', 'Response FindCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' }), 'warn');
  assert.equal(kafkaLogLevel('error', 'The coordinator is not aware of this member, re-joining the group', { error: 'The coordinator is not aware of this member' }), 'warn');
  assert.equal(kafkaLogLevel('error', 'Response Produce(key: 0, version: 7)', { error: 'This server is not the leader for that topic-partition' }), 'warn');
  assert.equal(kafkaLogLevel('error', 'Response Metadata(key: 3, version: 6)',
    { error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' }), 'warn');
  assert.equal(kafkaLogLevel('error', 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9',
    { retryCount: 3, retryTime: 800 }), 'warn');
});

test('what needs a person stays error: a refused login, a crash (even one caused by a rebalance), a failed send, an unknown answer', () => {
  assert.equal(kafkaLogLevel('error', 'SASL SCRAM SHA512 authentication failed: Request is not valid given the current SASL state', { broker: 'b:9094' }), 'error');
  assert.equal(kafkaLogLevel('error', `Crash: KafkaJSNumberOfRetriesExceeded: ${REBALANCING}`, { groupId: 'g' }), 'error');
  assert.equal(kafkaLogLevel('error', 'Restarting the consumer in 300ms', { groupId: 'g', error: REBALANCING }), 'error');
  assert.equal(kafkaLogLevel('error', 'Failed to send messages: Topic authorization failed', { retryCount: 5 }), 'error');
  assert.equal(kafkaLogLevel('error', 'Response Produce(key: 0, version: 7)', { error: 'The request included message batch larger than the configured segment size on the server' }), 'error');
  assert.equal(kafkaLogLevel('error', 'Response Heartbeat(key: 12, version: 3)', {}), 'error');
});

test('levels are only lowered: pause and resume go to debug, a routine line kafkajs logs at debug stays there', () => {
  assert.equal(kafkaLogLevel('info', 'Pausing fetching from 1 topics', { topicPartitions: [] }), 'debug');
  assert.equal(kafkaLogLevel('debug', 'Response Heartbeat(key: 12, version: 3)', { error: NOT_COORDINATOR }), 'debug');
});
