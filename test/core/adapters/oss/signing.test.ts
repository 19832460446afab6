// The adapter's own signer must sign exactly as ali-oss does (ali-oss's signatures are what real OSS accepts):
// random requests — keys with spaces, unicode and reserved characters, sub-resources, queries, user metadata
// in wire form — get the same V1 and V4 Authorization from both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import signUtils from 'ali-oss/lib/common/signUtils.js';
import { authorizationV1, createV4Signer, type SignInput } from '../../../../core/adapters/oss/signing.ts';
import { toWire } from '../../../../core/adapters/oss/object-head.ts';
import { rng } from '../../../helpers/random.ts';

const AK = 'LTAI-test-id';
const SK = 'secret/with+chars=';
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];

function randomRequest(r: () => number, v4: boolean): SignInput {
  const objects = [undefined, 'a.txt', 'dir/sub dir/file (1).bin', "it's!*~.tar.gz", '目录/文件.txt', ' lead and trail ', 'plus+eq=amp&q?hash#'];
  const subresChoices: Record<string, string>[] = [{}, { acl: '' }, { tagging: '' }, { tagging: '', versionId: 'CAEQ' },
    { uploads: '' }, { partNumber: '3', uploadId: 'U1' }, { versions: '' }, { acl: '', versionId: 'v/2' }];
  const queryChoices: (Record<string, string | number> | undefined)[] = [undefined, { prefix: 'a/b ', 'max-keys': 1000 },
    { 'list-type': 2, 'continuation-token': 'tok=+/', delimiter: '/' }, { 'key-marker': 'k m', 'version-id-marker': 'v' }];
  const day = `2026${String(1 + Math.floor(r() * 12)).padStart(2, '0')}${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
  const headers: Record<string, string | number> = {
    'x-oss-date': v4 ? `${day}T101112Z` : 'Sun, 29 Nov 2026 13:17:07 GMT',
    'User-Agent': 'ua',
  };
  if (v4) headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
  if (r() < 0.6) headers['Content-Type'] = pick(r, ['text/plain', 'application/octet-stream', 'image/png']);
  if (r() < 0.4) headers['Content-MD5'] = 'XrY7u+Ae7tCTyyK7j1rNww==';
  if (r() < 0.5) headers['Content-Length'] = Math.floor(r() * 10_000);
  if (r() < 0.5) headers['x-oss-meta-Owner'] = toWire(pick(r, ['alice', ' padded ', 'Zoë', '名前']));
  if (r() < 0.3) headers['x-oss-object-acl'] = 'public-read';
  if (r() < 0.3) headers['X-Oss-Storage-Class'] = 'IA';
  if (r() < 0.3) headers['Content-Disposition'] = toWire('attachment; filename="naïve.txt"');
  return { method: pick(r, ['GET', 'HEAD', 'PUT', 'POST', 'DELETE']), bucket: pick(r, ['bkt', 'my-bucket-1']), object: pick(r, objects),
    subres: pick(r, subresChoices), query: pick(r, queryChoices), headers };
}

test('V1 signatures equal ali-oss signUtils on 500 random requests', () => {
  const r = rng(11);
  for (let i = 0; i < 500; i++) {
    const req = randomRequest(r, false);
    const canonical = signUtils.buildCanonicalString(req.method, `/${req.bucket}/${req.object ?? ''}`, { headers: req.headers, parameters: req.subres });
    assert.equal(authorizationV1(AK, SK, req), signUtils.authorization(AK, SK, canonical, 'utf-8'), JSON.stringify(req));
  }
});

test('V4 signatures equal ali-oss signUtils on 500 random requests, the cached signing key across days too', () => {
  const r = rng(12);
  const signer = createV4Signer(AK, SK, 'oss-cn-hangzhou');
  for (let i = 0; i < 500; i++) {
    const req = randomRequest(r, true);
    const queries: Record<string, string | number | null> = {};
    for (const [k, v] of Object.entries(req.subres ?? {})) queries[k] = v === '' ? null : v;
    Object.assign(queries, req.query);
    const expected = signUtils.authorizationV4(AK, SK, 'cn-hangzhou', req.method, { headers: req.headers, queries }, req.bucket, req.object, undefined, 'utf-8');
    assert.equal(signer.authorization(req), expected, JSON.stringify(req));
  }
});

test('a different secret gives a different signature (the check can fail)', () => {
  const req = randomRequest(rng(13), false);
  assert.notEqual(authorizationV1(AK, SK, req), authorizationV1(AK, `${SK}x`, req));
  const v4 = randomRequest(rng(13), true);
  assert.notEqual(createV4Signer(AK, SK, 'cn-hangzhou').authorization(v4), createV4Signer(AK, SK, 'cn-shanghai').authorization(v4));
});
