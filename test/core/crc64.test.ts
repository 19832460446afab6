import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc64, crc64Combine, crc64Init, crc64StateToString, crc64Update, crc64UpdateState } from '../../core/crc64.ts';

// Bit-by-bit reference, slow but obviously right.
function reference(buf: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const b of buf) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

test('check value of "123456789" is 0x995DC9BBDF1939FA', () => {
  assert.equal(crc64('123456789'), 0x995dc9bbdf1939fan.toString());
  assert.equal(crc64(''), '0');
});

test('matches the bit-by-bit reference for every length up to 40 and random data', () => {
  for (let n = 0; n <= 40; n++) {
    const buf = randomBytes(n);
    assert.equal(crc64(buf), reference(buf).toString(), `length ${n}`);
  }
  const big = randomBytes(5000);
  assert.equal(crc64(big), reference(big).toString());
});

test('incremental updates equal one pass, whatever the chunking', () => {
  const buf = randomBytes(10_007);
  const whole = crc64(buf);
  let s = '0';
  for (let i = 0; i < buf.length; i += 333) s = crc64Update(s, buf.subarray(i, i + 333));
  assert.equal(s, whole);
  const st = crc64Init();
  for (let i = 0; i < buf.length; i += 7) crc64UpdateState(st, buf.subarray(i, i + 7));
  assert.equal(crc64StateToString(st), whole);
});

test('combine gives the CRC of the concatenation', () => {
  const a = randomBytes(1234);
  const b = randomBytes(98_765);
  assert.equal(crc64Combine(crc64(a), crc64(b), b.length), crc64(Buffer.concat([a, b])));
  assert.equal(crc64Combine(crc64(a), '0', 0), crc64(a));
  assert.equal(crc64Combine('0', crc64(b), b.length), crc64(b));
});

test('hashes 256 MiB in well under a few seconds', () => {
  const chunk = randomBytes(1 << 20);
  const st = crc64Init();
  const t0 = Date.now();
  for (let i = 0; i < 256; i++) crc64UpdateState(st, chunk);
  const ms = Date.now() - t0;
  assert.ok(ms < 4000, `took ${ms} ms`);
});
