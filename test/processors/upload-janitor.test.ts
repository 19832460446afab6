import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../core/logging.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { abortAbandonedUploads } from '../../processors/upload-janitor.ts';

test('only uploads older than the age limit are aborted', async () => {
  const uploads = [
    { key: 'old', uploadId: 'u1', initiated: 1_000 },
    { key: 'fresh', uploadId: 'u2', initiated: 9_500 },
  ];
  const aborted: string[] = [];
  const store = {
    listMultipartUploads: async () => uploads,
    abortMultipart: async (_b: string, key: string, id: string) => void aborted.push(`${key}:${id}`),
  } as unknown as ObjectStore;
  const quiet = createLogger('test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
  const n = await abortAbandonedUploads([{ store, bucket: 'dst' }], 5_000, 10_000, quiet);
  assert.equal(n, 1);
  assert.deepEqual(aborted, ['old:u1']);
});
