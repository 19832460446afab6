// Which produce requests are compressed: small ones go plain (a zstd call per partition costs more than it
// saves on them), anything from COMPRESS_FROM_BYTES of keys and values on is zstd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPRESS_FROM_BYTES, compressionFor } from '../../../../core/adapters/kafka/compression.ts';
import { ZSTD } from '../../../helpers/segments.ts';

// Kafka's codec ids (record batch attributes), which kafkajs's CompressionTypes uses too.
const CompressionTypes = { None: 0, ZSTD };
const record = (valueBytes: number, key = 'bucket/key') => ({ key, value: Buffer.alloc(valueBytes, 1) });

test('small requests go uncompressed, large ones zstd', () => {
  assert.equal(compressionFor([]), CompressionTypes.None);
  assert.equal(compressionFor([record(200)]), CompressionTypes.None, 'one outcome-sized record');
  assert.equal(compressionFor(Array.from({ length: 20 }, () => record(300))), CompressionTypes.None, '20 small records, 6 KiB');
  assert.equal(compressionFor([record(COMPRESS_FROM_BYTES)]), CompressionTypes.ZSTD, 'one record of the threshold');
  assert.equal(compressionFor(Array.from({ length: 1000 }, () => record(60))), CompressionTypes.ZSTD, '1,000 records of 70 bytes');
  const keyOnly = { key: 'k'.repeat(COMPRESS_FROM_BYTES), value: null };
  assert.equal(compressionFor([keyOnly]), CompressionTypes.ZSTD, 'keys count too; a tombstone has no value');
});
