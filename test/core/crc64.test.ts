import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Crc64, crc64, crc64Combine, crc64Update } from '../../core/crc64.ts';

test('check value of "123456789" is 0x995DC9BBDF1939FA', () => {
  assert.equal(crc64(Buffer.from('123456789')), BigInt('0x995DC9BBDF1939FA').toString());
  assert.equal(crc64(Buffer.alloc(0)), '0');
});

test('incremental updates at every split equal the one-shot crc', () => {
  const data = randomBytes(1000);
  const whole = crc64(data);
  for (const cut of [0, 1, 7, 8, 9, 63, 500, 999, 1000]) {
    assert.equal(crc64Update(crc64Update('0', data.subarray(0, cut)), data.subarray(cut)), whole);
    assert.equal(new Crc64().update(data.subarray(0, cut)).update(data.subarray(cut)).digest(), whole);
  }
});

test('combine gives the crc of the concatenation', () => {
  for (const [la, lb] of [[0, 5], [5, 0], [1, 1], [100, 1000], [4096, 12345]]) {
    const a = randomBytes(la);
    const b = randomBytes(lb);
    assert.equal(crc64Combine(crc64(a), crc64(b), lb), crc64(Buffer.concat([a, b])));
  }
});

test('hashes 256 MiB in well under the time a 2 GiB object allows', () => {
  const chunk = randomBytes(1 << 20);
  const c = new Crc64();
  const t0 = Date.now();
  for (let i = 0; i < 256; i++) c.update(chunk);
  const ms = Date.now() - t0;
  assert.ok(ms < 4000, `256 MiB took ${ms} ms`);
});
