// The whole data folder: bucket and key records (snapshot + journal), multipart uploads with their part
// files, and the blob area. Loaded into memory at start; every change is appended to the journal in commit
// order before it is acknowledged, so a restart finds the last committed state.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobStore } from './blobs.ts';
import { Bucket, type BucketHooks, type Change } from './bucket.ts';
import { Journal, type JournalEntry } from './journal.ts';
import { writeJsonAtomic } from './persist.ts';
import type { BucketRecord, KeyRecord, UploadPart, UploadRecord } from './types.ts';

export class Store {
  readonly dataDir: string;
  readonly blobs: BlobStore;
  readonly buckets = new Map<string, Bucket>();
  private readonly journal: Journal;
  private readonly hooks: BucketHooks;

  constructor(dataDir: string, onChange: (c: Change) => void) {
    this.dataDir = dataDir;
    this.blobs = new BlobStore(dataDir);
    this.journal = new Journal(dataDir);
    this.hooks = {
      onChange,
      persistKey: (bucket, key) => this.journal.append({ t: 'key', b: bucket.name, k: key, r: bucket.objects.get(key) ?? null }),
      releaseBlob: (id) => this.blobs.remove(id),
    };
  }

  uploadDir(uploadId: string): string {
    return join(this.dataDir, 'uploads', uploadId);
  }

  partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadDir(uploadId), `part-${partNumber}`);
  }

  async open(): Promise<void> {
    await this.blobs.init();
    await mkdir(join(this.dataDir, 'uploads'), { recursive: true });
    const records = new Map<string, { record: BucketRecord; keys: Map<string, KeyRecord> }>();
    await this.journal.replay((e) => {
      if (e.t === 'bucket') {
        if (e.r === null) records.delete(e.b);
        else records.set(e.b, { record: e.r as BucketRecord, keys: records.get(e.b)?.keys ?? new Map() });
      } else {
        const b = records.get(e.b);
        if (!b) return;
        if (e.r === null) b.keys.delete(e.k);
        else b.keys.set(e.k, e.r as KeyRecord);
      }
    });
    const referenced = new Set<string>();
    for (const { record, keys } of records.values()) {
      const bucket = new Bucket(record, this.hooks);
      this.buckets.set(record.name, bucket);
      for (const kr of keys.values()) bucket.load(kr);
      for (const id of bucket.blobIds()) referenced.add(id);
    }
    await this.journal.compact(this.snapshot());
    for (const id of await readdir(join(this.dataDir, 'uploads'))) {
      const up = await readJson<UploadRecord>(join(this.uploadDir(id), 'upload.json'));
      const bucket = up && this.buckets.get(up.bucket);
      if (up && bucket) bucket.uploads.set(id, up);
      else await rm(this.uploadDir(id), { recursive: true, force: true });
    }
    await this.blobs.sweep(referenced);
  }

  private *snapshot(): Generator<JournalEntry> {
    for (const bucket of this.buckets.values()) {
      yield { t: 'bucket', b: bucket.name, r: bucket.record };
      for (const rec of bucket.objects.values()) yield { t: 'key', b: bucket.name, k: rec.key, r: rec };
    }
  }

  async createBucket(rec: BucketRecord): Promise<Bucket> {
    const bucket = new Bucket(rec, this.hooks);
    this.buckets.set(rec.name, bucket);
    await this.saveBucket(bucket);
    return bucket;
  }

  saveBucket(bucket: Bucket): Promise<void> {
    return this.journal.append({ t: 'bucket', b: bucket.name, r: bucket.record });
  }

  async deleteBucket(name: string): Promise<void> {
    this.buckets.delete(name);
    await this.journal.append({ t: 'bucket', b: name, r: null });
  }

  async saveUpload(up: UploadRecord): Promise<void> {
    await mkdir(this.uploadDir(up.uploadId), { recursive: true });
    await writeJsonAtomic(join(this.uploadDir(up.uploadId), 'upload.json'), up);
  }

  async savePart(uploadId: string, part: UploadPart): Promise<void> {
    await writeJsonAtomic(`${this.partPath(uploadId, part.partNumber)}.json`, part);
  }

  async listParts(uploadId: string): Promise<UploadPart[]> {
    const dir = this.uploadDir(uploadId);
    const parts: UploadPart[] = [];
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!/^part-\d+\.json$/.test(f)) continue;
      const p = await readJson<UploadPart>(join(dir, f));
      if (p) parts.push(p);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async removeUpload(uploadId: string): Promise<void> {
    // A part landing while the folder is removed (an abort racing an UploadPart) makes rmdir fail with
    // ENOTEMPTY: try again. OSS answers the abort 204 and the part NoSuchUpload (uploadPart's storePart).
    await rm(this.uploadDir(uploadId), { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }

  /** Flushes and closes the journal. */
  async close(): Promise<void> {
    await this.journal.close();
    await this.blobs.packs.close();
    this.blobs.closeReaders();
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
