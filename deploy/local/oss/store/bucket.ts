// One bucket in memory: its record, the byte-ordered key index, each key's versions (newest first), and the
// version rules of OSS (unversioned / Enabled / Suspended). Every change is applied in one synchronous step
// and reported to `onChange` in that same step, so events come out in commit order.
import { randomBytes } from 'node:crypto';
import { ossNow } from '../clock.ts';
import { OssError } from '../errors.ts';
import { SortedKeys } from './sorted-keys.ts';
import type { BucketRecord, KeyRecord, NewVersion, ObjectVersion, UploadRecord } from './types.ts';

export interface ChangeContext { requestId: string; principalId: string; sourceIp: string }

export interface Change {
  bucket: string;
  key: string;
  eventName: string;
  version: ObjectVersion; // the version created, changed or removed (a marker for CreateDeleteMarker)
  deltaSize: number;
  versioned: boolean;
  ctx: ChangeContext;
  /** When the change was committed (whole seconds, as OSS reports it; a new version's lastModified). */
  time: number;
}

export interface BucketHooks {
  onChange(change: Change): void;
  persistKey(bucket: Bucket, key: string): Promise<void>;
  releaseBlob(id: string | undefined): void;
}

let versionCounter = 0;

/** Opaque, URL-safe, unique and increasing version ids, in the spirit of OSS's `CAEQ...` ids. */
export function newVersionId(): string {
  const t = Buffer.alloc(16);
  t.writeBigUInt64BE(BigInt(Date.now()) * 1000n + BigInt(versionCounter++ % 1000), 0);
  randomBytes(8).copy(t, 8);
  return `CAEQ${t.toString('base64url')}`;
}

export class Bucket {
  readonly record: BucketRecord;
  readonly keys = new SortedKeys();
  readonly objects = new Map<string, KeyRecord>();
  readonly uploads = new Map<string, UploadRecord>();
  private readonly hooks: BucketHooks;

  constructor(record: BucketRecord, hooks: BucketHooks) {
    this.record = record;
    this.hooks = hooks;
  }

  get name(): string {
    return this.record.name;
  }

  get versioned(): boolean {
    return this.record.versioning !== '';
  }

  /** Loads a key record from disk at startup. */
  load(rec: KeyRecord): void {
    if (!rec.versions.length) return;
    this.objects.set(rec.key, rec);
    this.keys.insert(rec.key);
  }

  isEmpty(): boolean {
    return this.objects.size === 0 && this.uploads.size === 0;
  }

  latest(key: string): ObjectVersion | undefined {
    return this.objects.get(key)?.versions[0];
  }

  /** The version a read addresses; throws the OSS error for a missing key, version or a delete marker. */
  resolve(key: string, versionId: string | undefined, forRead: boolean): ObjectVersion {
    const rec = this.objects.get(key);
    if (versionId !== undefined) {
      const v = rec?.versions.find((x) => x.versionId === versionId);
      if (!v) throw new OssError('NoSuchVersion', undefined, { extra: { Key: key, VersionId: versionId } });
      if (v.deleteMarker && forRead) {
        throw new OssError('MethodNotAllowed', undefined, {
          headers: { 'x-oss-delete-marker': 'true', 'x-oss-version-id': v.versionId },
          extra: { Method: 'GET', ResourceType: 'DeleteMarker' },
        });
      }
      return v;
    }
    const v = rec?.versions[0];
    if (!v) throw new OssError('NoSuchKey', undefined, { extra: { Key: key } });
    if (v.deleteMarker) {
      const headers: Record<string, string> = { 'x-oss-delete-marker': 'true' };
      if (this.versioned) headers['x-oss-version-id'] = v.versionId;
      throw new OssError('NoSuchKey', undefined, { extra: { Key: key }, headers });
    }
    return v;
  }

  private nextVersionId(): string {
    return this.record.versioning === 'Enabled' ? newVersionId() : 'null';
  }

  /** Inserts a new current version, retiring whatever OSS retires (the 'null' version outside Enabled). */
  private insert(key: string, v: ObjectVersion): ObjectVersion[] {
    let rec = this.objects.get(key);
    if (!rec) {
      rec = { key, versions: [] };
      this.objects.set(key, rec);
      this.keys.insert(key);
    }
    let retired: ObjectVersion[] = [];
    if (v.versionId === 'null') {
      retired = rec.versions.filter((x) => x.versionId === 'null');
      rec.versions = rec.versions.filter((x) => x.versionId !== 'null');
    }
    rec.versions.unshift(v);
    for (const r of retired) this.hooks.releaseBlob(r.blob);
    return retired;
  }

  putVersion(key: string, nv: NewVersion, eventName: string, ctx: ChangeContext): { version: ObjectVersion; persisted: Promise<void> } {
    const now = ossNow();
    const v: ObjectVersion = { ...nv, versionId: this.nextVersionId(), lastModified: now, deleteMarker: false };
    const retired = this.insert(key, v);
    const freed = retired.reduce((s, r) => s + r.size, 0);
    this.hooks.onChange({ bucket: this.name, key, eventName, version: v, deltaSize: v.size - freed, versioned: this.versioned, ctx, time: now });
    return { version: v, persisted: this.hooks.persistKey(this, key) };
  }

  /** DeleteObject without a version id: removes (unversioned) or adds a delete marker (versioned). */
  deleteCurrent(key: string, eventName: string, ctx: ChangeContext): { marker?: ObjectVersion; persisted: Promise<void> } {
    const rec = this.objects.get(key);
    const now = ossNow();
    if (!this.versioned) {
      if (!rec) return { persisted: Promise.resolve() };
      const removed = rec.versions[0];
      this.objects.delete(key);
      this.keys.remove(key);
      for (const r of rec.versions) this.hooks.releaseBlob(r.blob);
      this.hooks.onChange({ bucket: this.name, key, eventName, version: removed, deltaSize: -removed.size, versioned: false, ctx, time: now });
      return { persisted: this.hooks.persistKey(this, key) };
    }
    const marker: ObjectVersion = {
      versionId: this.nextVersionId(), deleteMarker: true, lastModified: now, owner: ctx.principalId, size: 0, etag: '',
      crc64: '0', type: 'Normal', headers: {}, meta: {}, acl: 'default', tags: [], storageClass: 'Standard',
    };
    const retired = this.insert(key, marker);
    const freed = retired.reduce((s, r) => s + r.size, 0);
    this.hooks.onChange({ bucket: this.name, key, eventName: 'ObjectRemoved:CreateDeleteMarker', version: marker, deltaSize: -freed, versioned: true, ctx, time: now });
    return { marker, persisted: this.hooks.persistKey(this, key) };
  }

  /** DeleteObject with a version id: removes that version for good (a missing version is not an error). */
  deleteVersion(key: string, versionId: string, eventName: string, ctx: ChangeContext): { removed?: ObjectVersion; persisted: Promise<void> } {
    const rec = this.objects.get(key);
    const idx = rec ? rec.versions.findIndex((x) => x.versionId === versionId) : -1;
    if (!rec || idx < 0) return { persisted: Promise.resolve() };
    const [removed] = rec.versions.splice(idx, 1);
    if (!rec.versions.length) {
      this.objects.delete(key);
      this.keys.remove(key);
    }
    this.hooks.releaseBlob(removed.blob);
    this.hooks.onChange({ bucket: this.name, key, eventName, version: removed, deltaSize: -removed.size, versioned: this.versioned, ctx, time: ossNow() });
    return { removed, persisted: this.hooks.persistKey(this, key) };
  }

  /** Changes one version in place (ACL, tags, appends), reporting `eventName` unless null; `now` is the commit time. */
  mutate(key: string, v: ObjectVersion, change: (v: ObjectVersion, now: number) => void, eventName: string | null, ctx: ChangeContext, deltaSize = 0): Promise<void> {
    const now = ossNow();
    change(v, now);
    if (eventName) this.hooks.onChange({ bucket: this.name, key, eventName, version: v, deltaSize, versioned: this.versioned, ctx, time: now });
    return this.hooks.persistKey(this, key);
  }

  /** Everything referenced by this bucket's versions (for sweeping orphan blobs). */
  blobIds(): string[] {
    const out: string[] = [];
    for (const rec of this.objects.values()) for (const v of rec.versions) if (v.blob) out.push(v.blob);
    return out;
  }
}
