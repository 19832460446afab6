import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMarker, originOf, parseMarker, sameWrite, writeIdentity } from '../../../processors/reconcile/marker.ts';
import { obj } from './fixtures.ts';

describe('replica marker', () => {
  it('formats compactly and round-trips, with and without a version id', () => {
    const m = { originBucket: 'bucket-a', originTime: 1700000000123, originEtag: 'ABC' };
    assert.equal(formatMarker(m), 'b=bucket-a;t=1700000000123;e=ABC');
    assert.deepEqual(parseMarker(formatMarker(m)), m);
    const v = { ...m, originVersionId: 'CAEQ/+=;x' };
    assert.match(formatMarker(v), /^[\x20-\x7e]+$/);
    assert.deepEqual(parseMarker(formatMarker(v)), v);
  });

  it('escapes separators and non-ASCII in values', () => {
    const m = { originBucket: 'a;b=c', originTime: 5, originEtag: 'é"x', originVersionId: 'v 1' };
    const text = formatMarker(m);
    assert.match(text, /^[\x20-\x7e]+$/);
    assert.deepEqual(parseMarker(text), { ...m, originEtag: 'ÉX' });
  });

  it('drops a null version id and normalizes the etag', () => {
    assert.equal(formatMarker({ originBucket: 'a', originTime: 1, originEtag: '"abc"', originVersionId: null }), 'b=a;t=1;e=ABC');
  });

  const bad: [string, unknown][] = [
    ['undefined', undefined], ['null', null], ['empty', ''], ['not a string', 42], ['garbage', 'hello'],
    ['missing bucket', 't=1;e=E'], ['missing time', 'b=a;e=E'], ['missing etag', 'b=a;t=1'],
    ['negative time', 'b=a;t=-1;e=E'], ['non-numeric time', 'b=a;t=1x;e=E'], ['fractional time', 'b=a;t=1.5;e=E'],
    ['bad escape', 'b=%E0%A4%A;t=1;e=E'], ['duplicate field', 'b=a;b=c;t=1;e=E'], ['empty field', 'b=a;;t=1;e=E'],
    ['no name', '=a;t=1;e=E'], ['huge', `b=${'x'.repeat(3000)};t=1;e=E`],
  ];
  for (const [name, input] of bad) {
    it(`parses ${name} as undefined without throwing`, () => assert.equal(parseMarker(input as string), undefined));
  }

  it('records the origin owner (o=), and a marker written before it still parses (no owner)', () => {
    const m = { originBucket: 'a', originTime: 1700000000000, originEtag: 'E', originVersionId: 'v1', originOwner: '1305433xxxx;x' };
    const text = formatMarker(m);
    assert.equal(text, 'b=a;t=1700000000000;e=E;v=v1;o=1305433xxxx%3Bx');
    assert.deepEqual(parseMarker(text), m);
    assert.deepEqual(parseMarker('b=a;t=1700000000000;e=E;v=v1'), { originBucket: 'a', originTime: 1700000000000, originEtag: 'E', originVersionId: 'v1' });
  });

  it('an original write\'s origin carries its owner and Last-Modified; a replica keeps its marker\'s (chains name the first write)', () => {
    assert.deepEqual(originOf(obj({ owner: 'acct-a', lastModified: 7000, etag: 'e1' }), 'src'),
      { originBucket: 'src', originTime: 7000, originEtag: 'E1', originOwner: 'acct-a' });
    assert.deepEqual(originOf(obj({ owner: 'acct-b', userMeta: { 'crr-origin': 'b=a;t=12;e=EA;o=acct-a' } }), 'src'),
      { originBucket: 'a', originTime: 12, originEtag: 'EA', originOwner: 'acct-a' });
  });

  it('ignores unknown fields (forward compatible)', () => {
    assert.deepEqual(parseMarker('b=a;t=1;e=E;z=new'), { originBucket: 'a', originTime: 1, originEtag: 'E' });
  });

  it('originOf: the marker of a replica, else an original write in its own bucket', () => {
    const original = obj({ lastModified: 42, etag: 'e9', versionId: 'v7' });
    assert.deepEqual(originOf(original, 'own'), { originBucket: 'own', originTime: 42, originEtag: 'E9', originVersionId: 'v7' });
    assert.deepEqual(originOf(obj({ lastModified: 42, etag: 'e9' }), 'own'), { originBucket: 'own', originTime: 42, originEtag: 'E9' });
    const replica = obj({ userMeta: { 'crr-origin': 'b=far;t=7;e=X' } });
    assert.deepEqual(originOf(replica, 'own'), { originBucket: 'far', originTime: 7, originEtag: 'X' });
    const broken = obj({ lastModified: 3, userMeta: { 'crr-origin': 'nonsense' } });
    assert.equal(originOf(broken, 'own').originBucket, 'own');
  });

  it('sameWrite and writeIdentity', () => {
    const a = { originBucket: 'a', originTime: 1, originEtag: 'abc' };
    assert.ok(sameWrite(a, { ...a, originEtag: '"ABC"' }));
    assert.ok(!sameWrite(a, { ...a, originTime: 2 }));
    assert.ok(!sameWrite(a, { ...a, originBucket: 'b' }));
    assert.equal(writeIdentity({ ...a, originVersionId: 'v1' }), writeIdentity({ ...a, originTime: 9, originVersionId: 'v1' }));
    assert.notEqual(writeIdentity({ ...a, originVersionId: 'v1' }), writeIdentity({ ...a, originVersionId: 'v2' }));
    // a 'null' version (unversioned era) is identified by time and etag, like a marker without a version
    assert.equal(writeIdentity({ ...a, originVersionId: 'null' }), writeIdentity(a));
  });
});
