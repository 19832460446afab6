// The single-object codec: round trips, framing, validation on encode, and every way decode refuses bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrrError } from '../../core/errors.ts';
import { decode, encode, fingerprintOf, identify, type RecordName } from '../../schemas/codec.ts';
import { shippedRegistry } from '../../schemas/registry.ts';
import { RECORD_NAMES } from '../../schemas/types.ts';
import { MINIMAL, SAMPLES } from './samples.ts';

function throwsCode(fn: () => unknown, code: string, stage: string = 'decode'): CrrError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CrrError, `expected CrrError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.stage, stage);
  return caught;
}

for (const name of RECORD_NAMES) {
  test(`${name}: round trip of a full and a minimal record, as plain objects`, () => {
    for (const value of [SAMPLES[name], MINIMAL[name]]) {
      const bytes = encode(name, value);
      assert.deepEqual(bytes.subarray(0, 2), Buffer.from([0xc3, 0x01]));
      assert.deepEqual(bytes.subarray(2, 10), fingerprintOf(name));
      const back = decode(name, bytes);
      assert.deepEqual(back, value);
      assert.equal(Object.getPrototypeOf(back), Object.prototype);
      assert.deepEqual(identify(bytes), { name, version: shippedRegistry().current(name).version, fingerprint: fingerprintOf(name).toString('hex') });
    }
  });
}

test('the body is plain Avro binary, field by field', () => {
  const bytes = encode('BackfillTask', { ...MINIMAL.BackfillTask, jobId: 'j', ruleId: 'r', sourceBucket: 'b', key: 'k', listedAt: 1, seq: 2 });
  // strings are zigzag length + UTF-8, nulls are union index 0, longs are zigzag varints
  assert.equal(bytes.subarray(10).toString('hex'), '026a' + '0272' + '0262' + '026b' + '00' + '00' + '00' + '02' + '04');
});

test('fingerprintOf: current by default, shipped versions by number, CrrError for others', () => {
  assert.deepEqual(fingerprintOf('ObjectChange'), fingerprintOf('ObjectChange', 1));
  assert.equal(new Set(RECORD_NAMES.map((n) => fingerprintOf(n).toString('hex'))).size, RECORD_NAMES.length);
  throwsCode(() => fingerprintOf('ObjectChange', 99), 'UNKNOWN_SCHEMA', 'config');
  throwsCode(() => fingerprintOf('Nope' as RecordName), 'UNKNOWN_RECORD', 'config');
});

test('encode refuses invalid values with INVALID_RECORD naming the fields', () => {
  const base = SAMPLES.ObjectChange;
  const cases: [unknown, string[]][] = [
    [{ ...base, operation: 'RENAME' }, ['operation']],
    [{ ...base, size: 1.5 }, ['size']],
    [{ ...base, size: 2 ** 53 }, ['size']],
    [{ ...base, ruleIds: ['a', 7] }, ['ruleIds.1']],
    [{ ...base, eventTime: undefined }, ['eventTime']],
    [{ ...base, versionID: 'typo' }, ['versionID (undeclared)']],
  ];
  for (const [value, fields] of cases) {
    const err = throwsCode(() => encode('ObjectChange', value as never), 'INVALID_RECORD', 'publish');
    assert.deepEqual(err.context.fields, fields);
  }
  throwsCode(() => encode('ReplicationOutcome', { ...SAMPLES.ReplicationOutcome, attempts: 2 ** 31 }), 'INVALID_RECORD', 'publish');
  throwsCode(() => encode('BackfillJob', null as never), 'INVALID_RECORD', 'publish');
});

test('bad inputs: each gives its CrrError code, none escapes as another error', () => {
  const good = encode('ObjectChange', SAMPLES.ObjectChange);
  throwsCode(() => decode('ObjectChange', Buffer.alloc(0)), 'NOT_SINGLE_OBJECT');
  throwsCode(() => decode('ObjectChange', Buffer.from([0xc3, 0x01, 1, 2, 3])), 'NOT_SINGLE_OBJECT');
  throwsCode(() => decode('ObjectChange', Buffer.concat([Buffer.from([0xc3, 0x02]), good.subarray(2)])), 'NOT_SINGLE_OBJECT');
  throwsCode(() => decode('ObjectChange', Buffer.from('{"eventId":"x"}')), 'NOT_SINGLE_OBJECT');
  throwsCode(() => decode('ObjectChange', 'c301' as never), 'NOT_SINGLE_OBJECT');

  const unknown = Buffer.from(good);
  unknown.fill(0xab, 2, 10);
  const err = throwsCode(() => decode('ObjectChange', unknown), 'UNKNOWN_SCHEMA');
  assert.equal(err.context.fingerprint, 'abababababababab');

  for (const cut of [10, 11, 20, good.length - 1]) throwsCode(() => decode('ObjectChange', good.subarray(0, cut)), 'MALFORMED_BODY');
  throwsCode(() => decode('ObjectChange', Buffer.concat([good, Buffer.from([0])])), 'MALFORMED_BODY');

  const wrong = throwsCode(() => decode('ReplicationOutcome', good), 'WRONG_RECORD');
  assert.equal(wrong.context.actual, 'ObjectChange');
});

test('garbage block counts and indexes are refused before avsc allocates anything', () => {
  const good = encode('ObjectChange', MINIMAL.ObjectChange);
  // eventId is a 36-byte string (1-byte length 0x48), then ruleIds' block count: claim 2^31 - 1 items.
  const at = 10 + 1 + 36;
  assert.equal(good[at], 0x00);
  const huge = Buffer.concat([good.subarray(0, at), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]), good.subarray(at + 1)]);
  const t0 = performance.now();
  throwsCode(() => decode('ObjectChange', huge), 'MALFORMED_BODY');
  assert.ok(performance.now() - t0 < 100, 'refused quickly');

  const negativeLength = Buffer.from(good);
  negativeLength[10] = 0x01; // zigzag -1 as the eventId length
  throwsCode(() => decode('ObjectChange', negativeLength), 'MALFORMED_BODY');

  const job = encode('BackfillJob', MINIMAL.BackfillJob);
  const badEnum = Buffer.from(job);
  const stateAt = 10 + 1 + 'job-1'.length + 1 + 'rule-1'.length;
  assert.equal(badEnum[stateAt], 0x00); // PLANNING
  badEnum[stateAt] = 0x7e; // index 63
  throwsCode(() => decode('BackfillJob', badEnum), 'MALFORMED_BODY');
  const badUnion = Buffer.from(job);
  badUnion[stateAt + 1] = 0x04; // prefix union index 2 of ["null","string"]
  throwsCode(() => decode('BackfillJob', badUnion), 'MALFORMED_BODY');
});

test('random corruption of valid messages never escapes as anything but a CrrError', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const outcomes = new Map<string, number>();
  for (const name of RECORD_NAMES) {
    const good = encode(name, SAMPLES[name]);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(good.subarray(0, 10 + rand(good.length - 9)));
      for (let j = 0, n = 1 + rand(4); j < n; j++) bytes[10 + rand(Math.max(1, bytes.length - 10))] = rand(256);
      try {
        const value = decode(name, bytes);
        // whatever got through is a valid value of the current schema (no undefined enum symbols)
        assert.ok(shippedRegistry().current(name).type.isValid(value), JSON.stringify(value));
        outcomes.set('decoded', (outcomes.get('decoded') ?? 0) + 1);
      } catch (err) {
        assert.ok(err instanceof CrrError, String(err));
        outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
      }
    }
  }
  assert.ok((outcomes.get('MALFORMED_BODY') ?? 0) > 0 && (outcomes.get('decoded') ?? 0) > 0, JSON.stringify([...outcomes]));
});
