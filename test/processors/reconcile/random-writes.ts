// Random object writes for property tests: a small pool of contents and attributes, so that equal
// content written independently on two sides (and every kind of attribute drift) comes up often.
import type { ObjectAcl, ObjectState } from '../../../processors/reconcile/types.ts';
import type { prng } from './bucket-model.ts';

type Rng = ReturnType<typeof prng>;

const CONTENTS = [
  { etag: 'C0', crc64: '100', size: 5 }, { etag: 'C1', crc64: '101', size: 500 }, { etag: 'C2', crc64: '102', size: 50 },
];
const TYPES = ['text/plain', 'image/png'];
const METAS: Record<string, string>[] = [{}, { owner: 'alice' }, { owner: 'bob', team: 'x' }];
const TAGS: Record<string, string>[] = [{}, { env: 'prod' }, { env: 'dev', 'a b': 'c&d' }];
const ACLS: ObjectAcl[] = ['default', 'private', 'public-read'];

/** A user's PUT: an original write (no marker). */
export function randomWrite(rng: Rng, key: string, now: number): ObjectState {
  const c = rng.pick(CONTENTS);
  return {
    key, etag: c.etag, crc64: c.crc64, size: c.size, lastModified: now, headers: { contentType: rng.pick(TYPES) },
    userMeta: { ...rng.pick(METAS) }, tags: { ...rng.pick(TAGS) }, acl: rng.pick(ACLS),
  };
}

/** A user's in-place metadata change (CopyObject onto itself): a new write, without our marker. */
export function randomMetaChange(rng: Rng, s: ObjectState, now: number): ObjectState {
  return { ...s, lastModified: now, headers: { contentType: rng.pick(TYPES), cacheControl: rng.chance(0.5) ? 'no-cache' : '' }, userMeta: { ...rng.pick(METAS) } };
}

/** PutObjectTagging / PutObjectACL: the object (and its time and marker) stay. */
export function randomTags(rng: Rng, s: ObjectState): ObjectState {
  return { ...s, tags: { ...rng.pick(TAGS) } };
}
export function randomAcl(rng: Rng, s: ObjectState): ObjectState {
  return { ...s, acl: rng.pick(ACLS) };
}
