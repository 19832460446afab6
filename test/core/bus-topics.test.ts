// The bus's topics as the config names them and as they are created: one spec per table row, time-retained
// topics on the configured partitions, compacted state on one partition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busTopicSpecs } from '../../core/bus-topics.ts';
import { topicNames } from '../../core/topic-table.ts';

const DAY = 24 * 60 * 60 * 1000;

test('the nine bus topics: names under the prefix, cleanup, retention and partitions', () => {
  const names = topicNames('crr.t.');
  assert.deepEqual(names, { changes: 'crr.t.changes', backfill: 'crr.t.backfill', backfillDone: 'crr.t.backfill-done', outcomes: 'crr.t.outcomes', deadLetter: 'crr.t.dead-letter',
    backfillJobs: 'crr.t.backfill-jobs', state: 'crr.t.state', rules: 'crr.t.rules', uploads: 'crr.t.uploads' });
  const specs = busTopicSpecs({ topicNames: names, topics: { prefix: 'crr.t.', partitions: 7, replicationFactor: 3 } });
  assert.deepEqual(specs.map((s) => [s.topic, s.partitions, s.replicationFactor, s.cleanupPolicy, s.retentionMs]), [
    ['crr.t.changes', 7, 3, 'delete', 7 * DAY],
    ['crr.t.backfill', 7, 3, 'delete', 7 * DAY],
    ['crr.t.backfill-done', 7, 3, 'delete', 7 * DAY],
    ['crr.t.outcomes', 7, 3, 'delete', 7 * DAY],
    ['crr.t.dead-letter', 7, 3, 'delete', 30 * DAY],
    ['crr.t.backfill-jobs', 1, 3, 'compact', undefined],
    ['crr.t.state', 1, 3, 'compact', undefined],
    ['crr.t.rules', 1, 3, 'compact', undefined],
    ['crr.t.uploads', 1, 3, 'compact', undefined],
  ]);
});
