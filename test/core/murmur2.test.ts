import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from '../../core/murmur2.ts';

// Apache Kafka's UtilsTest.testMurmur2: the values the Java client computes.
const javaVectors: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

test('murmur2 matches the Java client on Kafka\'s own vectors', () => {
  for (const [input, expected] of javaVectors) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test('partitionForKey is the positive hash modulo the partition count', () => {
  for (const [input, hash] of javaVectors) {
    assert.equal(partitionForKey(input, 12), (hash & 0x7fffffff) % 12, input);
  }
  // Multi-byte UTF-8 keys hash their bytes, not their UTF-16 code units.
  assert.equal(partitionForKey('bücket/ключ', 7), partitionForKey(Buffer.from('bücket/ключ', 'utf8'), 7));
});
