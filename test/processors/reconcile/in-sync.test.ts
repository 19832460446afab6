import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { differences, inSync } from '../../../processors/reconcile/in-sync.ts';
import type { ObjectState } from '../../../processors/reconcile/types.ts';
import { obj } from './fixtures.ts';

describe('in sync (DESIGN §4 rule 1)', () => {
  const base = obj({ userMeta: { owner: 'x' }, tags: { t: '1' }, acl: 'private' });
  const cases: { name: string; dest: Partial<ObjectState>; src?: Partial<ObjectState>; expect: string[] }[] = [
    { name: 'identical', dest: {}, expect: [] },
    { name: 'different time and version id only', dest: { lastModified: 9, versionId: 'v' }, expect: [] },
    { name: 'crc equal, etags differ (multipart vs single put)', dest: { etag: 'E1-3' }, expect: [] },
    { name: 'crc differs, etag equal', dest: { crc64: '222' }, expect: ['content'] },
    { name: 'size differs', dest: { size: 11 }, expect: ['content'] },
    { name: 'no crc on one side: etag decides (equal)', dest: { crc64: undefined, etag: '"e1"' }, expect: [] },
    { name: 'no crc on one side: etag decides (differs)', dest: { crc64: undefined, etag: 'E2' }, expect: ['content'] },
    { name: 'content type differs', dest: { headers: { contentType: 'text/html' } }, expect: ['headers'] },
    { name: 'extra header', dest: { headers: { contentType: 'text/plain', cacheControl: 'no-cache' } }, expect: ['headers'] },
    { name: 'empty header equals absent', dest: { headers: { contentType: 'text/plain', expires: '' } }, expect: [] },
    ...(['contentEncoding', 'contentDisposition', 'cacheControl', 'expires', 'contentLanguage'] as const).map((f) => ({
      name: `${f} differs`, dest: { headers: { contentType: 'text/plain', [f]: 'x' } }, expect: ['headers'],
    })),
    { name: 'meta value differs', dest: { userMeta: { owner: 'y' } }, expect: ['meta'] },
    { name: 'meta missing', dest: { userMeta: {} }, expect: ['meta'] },
    { name: 'marker is ignored', dest: { userMeta: { owner: 'x', 'crr-origin': 'b=a;t=1;e=E' } }, expect: [] },
    { name: 'marker on both sides, different, ignored', src: { userMeta: { owner: 'x', 'crr-origin': 'b=z;t=5;e=F' } }, dest: { userMeta: { owner: 'x', 'crr-origin': 'b=a;t=1;e=E' } }, expect: [] },
    { name: 'tags differ', dest: { tags: { t: '2' } }, expect: ['tags'] },
    { name: 'tags extra', dest: { tags: { t: '1', u: '' } }, expect: ['tags'] },
    { name: 'acl differs', dest: { acl: 'default' }, expect: ['acl'] },
    { name: 'without a rule (version chains) storage class and encryption are not compared', dest: { storageClass: 'IA', encryption: { algorithm: 'AES256' } }, expect: [] },
    { name: 'everything differs', dest: { crc64: '9', headers: {}, userMeta: {}, tags: {}, acl: 'public-read' }, expect: ['content', 'headers', 'meta', 'tags', 'acl'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const src = { ...base, ...c.src };
      const dst = { ...base, ...c.dest };
      assert.deepEqual(differences(src, dst), c.expect);
      assert.equal(inSync(src, dst), c.expect.length === 0);
    });
  }
});
