// The whole data folder: buckets (bucket.json), one JSON file per key with all its versions, multipart
// uploads with their part files, and the blob area. Loaded into memory at start; every change is written
// back through per-file ordered queues (temp file + rename), so a restart finds the last committed state.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BlobStore } from './blobs.ts';
import { Bucket, type BucketHooks, type Change } from './bucket.ts';
import { PathQueue, storeJson, writeJsonAtomic } from './persist.ts';
import type { BucketRecord, KeyRecord, UploadPart, UploadRecord } from './types.ts';

export class Store {
  readonly dataDir: string;
  readonly blobs: BlobStore;
  readonly buckets = new Map<string, Bucket>();
  private readonly queue = new PathQueue();
  private readonly hooks: BucketHooks;

  constructor(dataDir: string, onChange: (c: Change) => void) {
    this.dataDir = dataDir;
    this.blobs = new BlobStore(dataDir);
    this.hooks = {
      onChange,
      persistKey: (bucket, key) => storeJson(this.queue, this.keyPath(bucket.name, key), () => bucket.objects.get(key)),
      releaseBlob: (id) => this.blobs.remove(id),
    };
  }

  private bucketDir(name: string): string {
    return join(this.dataDir, 'buckets', name);
  }

  private keyPath(bucket: string, key: string): string {
    const h = createHash('sha256').update(key).digest('hex');
    return join(this.bucketDir(bucket), 'keys', h.slice(0, 2), `${h}.json`);
  }

  uploadDir(uploadId: string): string {
    return join(this.dataDir, 'uploads', uploadId);
  }

  partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadDir(uploadId), `part-${partNumber}`);
  }

  async open(): Promise<void> {
    await this.blobs.init();
    await mkdir(join(this.dataDir, 'buckets'), { recursive: true });
    await mkdir(join(this.dataDir, 'uploads'), { recursive: true });
    const referenced = new Set<string>();
    for (const name of await readdir(join(this.dataDir, 'buckets'))) {
      const rec = await readJson<BucketRecord>(join(this.bucketDir(name), 'bucket.json'));
      if (!rec) continue;
      const bucket = new Bucket(rec, this.hooks);
      this.buckets.set(name, bucket);
      const keysDir = join(this.bucketDir(name), 'keys');
      for (const sub of await readdir(keysDir).catch(() => [] as string[])) {
        for (const f of await readdir(join(keysDir, sub))) {
          if (f.endsWith('.tmp')) {
            await rm(join(keysDir, sub, f), { force: true });
            continue;
          }
          const kr = await readJson<KeyRecord>(join(keysDir, sub, f));
          if (kr) bucket.load(kr);
        }
      }
      for (const id of bucket.blobIds()) referenced.add(id);
    }
    for (const id of await readdir(join(this.dataDir, 'uploads'))) {
      const up = await readJson<UploadRecord>(join(this.uploadDir(id), 'upload.json'));
      const bucket = up && this.buckets.get(up.bucket);
      if (up && bucket) bucket.uploads.set(id, up);
      else await rm(this.uploadDir(id), { recursive: true, force: true });
    }
    await this.blobs.sweep(referenced);
  }

  async createBucket(rec: BucketRecord): Promise<Bucket> {
    const bucket = new Bucket(rec, this.hooks);
    this.buckets.set(rec.name, bucket);
    await this.saveBucket(bucket);
    return bucket;
  }

  saveBucket(bucket: Bucket): Promise<void> {
    return storeJson(this.queue, join(this.bucketDir(bucket.name), 'bucket.json'), () => bucket.record);
  }

  async deleteBucket(name: string): Promise<void> {
    this.buckets.delete(name);
    await this.queue.idle();
    await rm(this.bucketDir(name), { recursive: true, force: true });
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
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }

  /** Resolves once every queued metadata write has landed. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
