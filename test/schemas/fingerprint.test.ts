// CRC-64-AVRO against the Avro spec's published fingerprints (share/test/data/schema-tests.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc64Avro, schemaFingerprint } from '../../schemas/fingerprint.ts';
import { SPEC_VECTORS } from './avro-spec-vectors.ts';

const signed = (fp: Buffer): string => fp.readBigInt64LE().toString();

test('empty input gives the EMPTY constant, little-endian', () => {
  assert.equal(crc64Avro(Buffer.alloc(0)).toString('hex'), Buffer.from('c15d213aa4d7a795', 'hex').reverse().toString('hex'));
});

test('"null" fingerprint is 0x63dd24e7cc258f8a, written little-endian', () => {
  const fp = crc64Avro(Buffer.from('"null"'));
  assert.equal(fp.length, 8);
  assert.equal(fp.readBigUInt64LE(), 0x63dd24e7cc258f8an);
  assert.equal(fp.toString('hex'), '8a8f25cce724dd63');
});

test('the primitives listed in the brief', () => {
  const vectors: [string, string][] = [
    ['"null"', '7195948357588979594'], ['"boolean"', '-6970731678124411036'], ['"int"', '8247732601305521295'],
    ['"long"', '-3434872931120570953'], ['"float"', '5583340709985441680'], ['"double"', '-8181574048448539266'],
    ['"bytes"', '5746618253357095269'], ['"string"', '-8142146995180207161'],
  ];
  for (const [canonical, expected] of vectors) assert.equal(signed(crc64Avro(Buffer.from(canonical))), expected, canonical);
});

for (const v of SPEC_VECTORS.filter((x) => x.fingerprint)) {
  test(`spec vector ${v.id}: fingerprint of the schema and of its canonical text`, () => {
    assert.equal(signed(crc64Avro(Buffer.from(v.canonical, 'utf8'))), v.fingerprint);
    assert.equal(signed(schemaFingerprint(v.input)), v.fingerprint);
  });
}

test('multi-byte UTF-8 is fingerprinted as bytes, not UTF-16 units', () => {
  const schema = { type: 'enum', name: 'e', doc: 'ignored', symbols: ['A'] };
  const withUnicodeName = { type: 'record', name: 'r', fields: [{ name: 'f', type: 'string', doc: 'é😀' }] };
  assert.deepEqual(schemaFingerprint(schema), crc64Avro(Buffer.from('{"name":"e","type":"enum","symbols":["A"]}')));
  // docs are stripped, so they never change a fingerprint
  assert.deepEqual(schemaFingerprint(withUnicodeName), schemaFingerprint({ ...withUnicodeName, doc: 'other' }));
  assert.notDeepEqual(crc64Avro(Buffer.from('é', 'utf8')), crc64Avro(Buffer.from('é', 'latin1')));
});
