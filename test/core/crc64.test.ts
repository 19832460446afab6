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

test('matches the reference at every alignment (offsets 0-7 into a buffer) and length 0-100, slice by slice', () => {
  const backing = randomBytes(4096);
  for (let offset = 0; offset < 8; offset++) {
    for (let n = 0; n <= 100; n++) {
      const view = backing.subarray(offset, offset + n);
      assert.equal(crc64(view), reference(view).toString(), `offset ${offset} length ${n}`);
    }
  }
  // Streams hand over chunks at any offset of a pooled buffer: chunked, unaligned updates still agree.
  const data = backing.subarray(3, 3 + 3001);
  const st = crc64Init();
  for (let i = 0, step = 1; i < data.length; i += step, step = (step * 7 + 3) % 61 + 1) crc64UpdateState(st, data.subarray(i, i + step));
  assert.equal(crc64StateToString(st), reference(data).toString());
});
