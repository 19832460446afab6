// Request targets as OSS reads them: the path is percent-decoded with `+` a plus, the query form-decoded
// with `+` a space (oss2, through requests, sends spaces in prefix/marker that way and signs them as
// spaces); a bucket from the Host leaves the whole path as the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget } from '../../../../deploy/local/oss/http-util.ts';

test('path style: bucket and key from the path; + in the path is a plus, in the query a space', () => {
  const t = parseTarget('/b1/dir/a+b%20c.txt?prefix=e+f%2Bg%25&acl');
  assert.deepEqual([t.bucket, t.key, t.virtualHosted], ['b1', 'dir/a+b c.txt', false]);
  assert.equal(t.query.get('prefix'), 'e f+g%');
  assert.equal(t.query.get('acl'), '');
});

test('virtual-hosted: the bucket from the Host, the whole path is the key', () => {
  const t = parseTarget('/b1/dir/k?uploads', 'vh');
  assert.deepEqual([t.bucket, t.key, t.virtualHosted], ['vh', 'b1/dir/k', true]);
  assert.deepEqual([parseTarget('/', 'vh').bucket, parseTarget('/', 'vh').key], ['vh', '']);
});
